// x402BatchSettlement on a real anvil chain, the ways money goes back to the payer: cooperative refunds (direct,
// and signed by the receiver authorizer and relayed), the payer's timed withdrawal (initiate, the delay, a claim
// during it, finalize), and a claim plus a refund in one multicall; balances read before and after, every error.
import { encodeFunctionData, zeroAddress, type Address, type LocalAccount } from 'viem'
import { describe, expect, it } from 'vitest'
import type { AnvilClient, AnvilInstance } from '../anvil.js'
import { advanceTime, channelConfig, claimRow, erc3009DepositArgs, eventsOf, revertOf, send, setNextBlockTime, tokenBalance } from '../../test-support/batch-channel.js'
import { useBatchCast } from '../../test-support/batch-cast.js'
import { BATCH_SETTLEMENT_ABI, BATCH_SETTLEMENT_ADDRESS, channelIdOf, claimBatchTypedData, readChannel, refundTypedData, type ChannelConfig } from './index.js'

let anvil: AnvilInstance
let owner: AnvilClient
let token: Address
let payer: LocalAccount
let payerClient: AnvilClient
let receiver: Address
let receiverClient: AnvilClient
let receiverAuthorizer: LocalAccount
let authorizerClient: AnvilClient
let voucherKey: LocalAccount
let voucherKeyClient: AnvilClient
let relayer: AnvilClient
let stranger: AnvilClient

useBatchCast({
  ready: (cast) =>
    ({ anvil, owner, token, payer, payerClient, receiver, receiverClient, receiverAuthorizer, authorizerClient, voucherKey, voucherKeyClient, relayer, stranger } = cast),
})

async function openChannel(amount: bigint, overrides: Partial<ChannelConfig> = {}): Promise<ChannelConfig> {
  const config = channelConfig({ payer: payer.address, payerAuthorizer: voucherKey.address, receiver, receiverAuthorizer: receiverAuthorizer.address, token, ...overrides })
  await send(relayer, 'deposit', await erc3009DepositArgs(relayer, config, amount, payer))
  return config
}

const idOf = (config: ChannelConfig) => channelIdOf(config, anvil.chainId)

describe('cooperative refunds', () => {
  it('refund by the receiver side: capped at the unclaimed escrow, the nonce advances first, a full refund closes the channel', async () => {
    const config = await openChannel(10_000n)
    const channelId = idOf(config)
    const payerBefore = await tokenBalance(owner, token, payer.address)
    const partial = await send(receiverClient, 'refund', [config, 4_000n])
    expect(eventsOf(partial, 'Refunded')[0]!.args).toMatchObject({ channelId, amount: 4_000n })
    expect(eventsOf(partial, 'ChannelClosed')).toHaveLength(0)
    expect(await tokenBalance(owner, token, payer.address)).toBe(payerBefore + 4_000n)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 6_000n, refundNonce: 1n })
    // Asking for more than is left refunds what is left, and the channel closes (nothing was ever claimed).
    const full = await send(authorizerClient, 'refund', [config, 1_000_000n])
    expect(eventsOf(full, 'Refunded')[0]!.args).toMatchObject({ amount: 6_000n })
    expect(eventsOf(full, 'ChannelClosed')).toHaveLength(1)
    expect(await tokenBalance(owner, token, payer.address)).toBe(payerBefore + 10_000n)
    // Nothing left: no transfer and no event, but the nonce still advances.
    const empty = await send(receiverClient, 'refund', [config, 1n])
    expect(eventsOf(empty)).toHaveLength(0)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 0n, refundNonce: 3n })
    // A drained channel can be funded again; it is created again.
    const again = await send(relayer, 'deposit', await erc3009DepositArgs(relayer, config, 500n, payer))
    expect(eventsOf(again, 'ChannelCreated')).toHaveLength(1)
  })

  it('a refund leaves claimed money alone, and refuses a zero amount and anyone but the receiver side', async () => {
    const config = await openChannel(1_000n)
    await send(receiverClient, 'claim', [[await claimRow(owner, config, 300n, voucherKey)]])
    const receipt = await send(receiverClient, 'refund', [config, 5_000n])
    expect(eventsOf(receipt, 'Refunded')[0]!.args).toMatchObject({ amount: 700n })
    expect(eventsOf(receipt, 'ChannelClosed')).toHaveLength(0)
    expect(await readChannel(owner, idOf(config))).toMatchObject({ balance: 300n, totalClaimed: 300n })
    expect(await revertOf(receiverClient, 'refund', [config, 0n])).toBe('ZeroRefund')
    expect(await revertOf(payerClient, 'refund', [config, 1n])).toBe('NotAuthorizedToRefund')
    expect(await revertOf(stranger, 'refund', [config, 1n])).toBe('NotAuthorizedToRefund')
  })

  it('refundWithSignature: the authorizer signs the amount at the current nonce, anyone relays it once', async () => {
    const config = await openChannel(2_000n)
    const channelId = idOf(config)
    const sign = (nonce: bigint, amount: bigint, by: LocalAccount = receiverAuthorizer) => by.signTypedData(refundTypedData({ channelId, nonce, amount }, anvil.chainId))
    const payerBefore = await tokenBalance(owner, token, payer.address)
    const signature = await sign(0n, 500n)
    expect(await revertOf(stranger, 'refundWithSignature', [config, 501n, 0n, signature])).toBe('InvalidSignature')
    expect(await revertOf(stranger, 'refundWithSignature', [config, 500n, 0n, await sign(0n, 500n, payer)])).toBe('InvalidSignature')
    expect(await revertOf(stranger, 'refundWithSignature', [config, 500n, 1n, await sign(1n, 500n)])).toBe('InvalidRefundNonce')
    const receipt = await send(stranger, 'refundWithSignature', [config, 500n, 0n, signature])
    expect(eventsOf(receipt, 'Refunded')[0]!.args).toMatchObject({ channelId, amount: 500n })
    expect(await tokenBalance(owner, token, payer.address)).toBe(payerBefore + 500n)
    expect(await revertOf(stranger, 'refundWithSignature', [config, 500n, 0n, signature])).toBe('InvalidRefundNonce')
    // A direct refund moves the nonce on too, so a signature made for the old nonce is dead.
    const stale = await sign(1n, 100n)
    await send(receiverClient, 'refund', [config, 100n])
    expect(await revertOf(stranger, 'refundWithSignature', [config, 100n, 1n, stale])).toBe('InvalidRefundNonce')
    expect(await revertOf(stranger, 'refundWithSignature', [config, 0n, 2n, await sign(2n, 0n)])).toBe('ZeroRefund')
  })
})

describe('the timed withdrawal', () => {
  it('initiate, a claim during the delay, finalize after it: the payer gets what is still unclaimed', async () => {
    const config = await openChannel(10_000n)
    const channelId = idOf(config)
    const initiated = await send(payerClient, 'initiateWithdraw', [config, 8_000n])
    const { timestamp: startedAt } = await owner.getBlock({ blockNumber: initiated.blockNumber })
    expect(eventsOf(initiated, 'WithdrawInitiated')[0]!.args).toMatchObject({ channelId, amount: 8_000n, finalizeAfter: Number(startedAt) + 900 })
    expect(await readChannel(owner, channelId)).toMatchObject({ withdrawRequestedAt: Number(startedAt), withdrawAmount: 8_000n })
    expect(await revertOf(payerClient, 'initiateWithdraw', [config, 1n])).toBe('WithdrawalAlreadyPending')
    expect(await revertOf(payerClient, 'finalizeWithdraw', [config])).toBe('WithdrawDelayNotElapsed')
    // The receiver claims its vouchers while the delay runs: 5,000 of the 10,000 are now the receiver's.
    await send(receiverClient, 'claim', [[await claimRow(owner, config, 5_000n, voucherKey)]])
    await setNextBlockTime(owner, startedAt + 898n, true)
    expect(await revertOf(payerClient, 'finalizeWithdraw', [config])).toBe('WithdrawDelayNotElapsed')
    expect(await revertOf(stranger, 'finalizeWithdraw', [config])).toBe('NotAuthorizedToFinalizeWithdraw')
    const payerBefore = await tokenBalance(owner, token, payer.address)
    // The payer authorizer may finalize too, in the first second the delay allows; the money goes to the payer,
    // capped at the unclaimed 5,000.
    await setNextBlockTime(owner, startedAt + 900n)
    const finalized = await send(voucherKeyClient, 'finalizeWithdraw', [config])
    expect(eventsOf(finalized, 'WithdrawFinalized')[0]!.args).toMatchObject({ channelId, amount: 5_000n })
    expect(await tokenBalance(owner, token, payer.address)).toBe(payerBefore + 5_000n)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 5_000n, totalClaimed: 5_000n, withdrawRequestedAt: 0, withdrawAmount: 0n })
    expect(await revertOf(payerClient, 'finalizeWithdraw', [config])).toBe('WithdrawalNotPending')
    // The claimed part still settles to the receiver.
    const receiverBefore = await tokenBalance(owner, token, receiver)
    await send(stranger, 'settle', [receiver, token])
    expect(await tokenBalance(owner, token, receiver)).toBeGreaterThanOrEqual(receiverBefore + 5_000n)
  })

  it('a withdrawal that drains an unclaimed channel closes it; a refund shrinks or cancels a pending one', async () => {
    const drained = await openChannel(3_000n)
    await send(payerClient, 'initiateWithdraw', [drained, 3_000n])
    await advanceTime(owner, 900)
    const receipt = await send(payerClient, 'finalizeWithdraw', [drained])
    expect(eventsOf(receipt, 'ChannelClosed')).toHaveLength(1)

    const config = await openChannel(10_000n)
    await send(payerClient, 'initiateWithdraw', [config, 6_000n])
    await send(receiverClient, 'refund', [config, 2_000n])
    expect(await readChannel(owner, idOf(config))).toMatchObject({ balance: 8_000n, withdrawAmount: 4_000n })
    await send(receiverClient, 'refund', [config, 4_000n])
    expect(await readChannel(owner, idOf(config))).toMatchObject({ balance: 4_000n, withdrawAmount: 0n, withdrawRequestedAt: 0 })
    expect(await revertOf(payerClient, 'finalizeWithdraw', [config])).toBe('WithdrawalNotPending')
  })

  it('initiate refuses anyone but the payer side, a zero amount, and more than the unclaimed escrow', async () => {
    const config = await openChannel(1_000n)
    await send(receiverClient, 'claim', [[await claimRow(owner, config, 400n, voucherKey)]])
    expect(await revertOf(stranger, 'initiateWithdraw', [config, 1n])).toBe('InvalidChannel')
    expect(await revertOf(receiverClient, 'initiateWithdraw', [config, 1n])).toBe('InvalidChannel')
    expect(await revertOf(payerClient, 'initiateWithdraw', [config, 0n])).toBe('NothingToWithdraw')
    expect(await revertOf(payerClient, 'initiateWithdraw', [config, 601n])).toBe('WithdrawAmountExceedsAvailable')
    await send(payerClient, 'initiateWithdraw', [config, 600n])
  })
})

describe('multicall', () => {
  it('a payer\'s refund request, relayed by anyone: its zero-charge voucher claimed and the rest refunded under the authorizer\'s signatures', async () => {
    const config = await openChannel(9_000n)
    const channelId = idOf(config)
    // 2,000 was charged; the payer's refund request carries a voucher at exactly that total.
    const row = await claimRow(owner, config, 2_000n, voucherKey)
    const claimSignature = await receiverAuthorizer.signTypedData(claimBatchTypedData([row], anvil.chainId))
    const refundSignature = await receiverAuthorizer.signTypedData(refundTypedData({ channelId, nonce: 0n, amount: 7_000n }, anvil.chainId))
    const data = [
      encodeFunctionData({ abi: BATCH_SETTLEMENT_ABI, functionName: 'claimWithSignature', args: [[row], claimSignature] }),
      encodeFunctionData({ abi: BATCH_SETTLEMENT_ABI, functionName: 'refundWithSignature', args: [config, 7_000n, 0n, refundSignature] }),
    ]
    const payerBefore = await tokenBalance(owner, token, payer.address)
    const receipt = await send(stranger, 'multicall', [data])
    expect(eventsOf(receipt).map((log) => log.eventName)).toEqual(['Claimed', 'Refunded'])
    expect(await tokenBalance(owner, token, payer.address)).toBe(payerBefore + 7_000n)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 2_000n, totalClaimed: 2_000n, refundNonce: 1n })
  })


  it('claims the last voucher and refunds the rest in one transaction, or does neither', async () => {
    const config = await openChannel(5_000n, { payerAuthorizer: zeroAddress })
    const row = await claimRow(owner, config, 1_200n, payer)
    const data = [
      encodeFunctionData({ abi: BATCH_SETTLEMENT_ABI, functionName: 'claim', args: [[row]] }),
      encodeFunctionData({ abi: BATCH_SETTLEMENT_ABI, functionName: 'refund', args: [config, 1_000_000n] }),
    ]
    const payerBefore = await tokenBalance(owner, token, payer.address)
    const receipt = await send(receiverClient, 'multicall', [data])
    expect(eventsOf(receipt).map((log) => log.eventName)).toEqual(['Claimed', 'Refunded'])
    expect(await tokenBalance(owner, token, payer.address)).toBe(payerBefore + 3_800n)
    expect(await readChannel(owner, idOf(config))).toMatchObject({ balance: 1_200n, totalClaimed: 1_200n, refundNonce: 1n })
    // One failing call reverts the whole batch, with that call's error.
    const failing = [encodeFunctionData({ abi: BATCH_SETTLEMENT_ABI, functionName: 'refund', args: [config, 1n] }), encodeFunctionData({ abi: BATCH_SETTLEMENT_ABI, functionName: 'refund', args: [config, 0n] })]
    expect(await revertOf(receiverClient, 'multicall', [failing])).toBe('ZeroRefund')
    expect((await readChannel(owner, idOf(config))).refundNonce).toBe(1n)
    expect(await tokenBalance(owner, token, BATCH_SETTLEMENT_ADDRESS)).toBeGreaterThanOrEqual(1_200n)
  })
})
