// localFacilitator's batch-settlement path on anvil (our x402BatchSettlement at the canonical address): verify and
// settle of deposits (ERC-3009 and Permit2), vouchers, claims of many channels in one transaction, the sweep, and
// refunds; and every bad input answered with the spec's reason while nothing moves on chain.
import { getAddress, zeroAddress, type Address, type Hex, type LocalAccount } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PaymentRequirements } from '../../codec/types.js'
import type { Facilitator, SettleRequest } from '../../facilitator/types.js'
import { advanceTime, channelConfig, randomSalt, send, startBatchCast, tokenBalance } from '../../test-support/batch-channel.js'
import { anvilClient, fundUsdc } from '../anvil.js'
import { localFacilitator } from '../facilitator.js'
import { ensurePermit2Allowance, MAX_UINT256 } from '../permit2-approve.js'
import { BATCH_SETTLEMENT_ADDRESS, PERMIT2_DEPOSIT_COLLECTOR_ADDRESS, type ChannelConfig } from './constants.js'
import { readChannel } from './channel-state.js'
import { erc3009DepositTypedData, permit2DepositTypedData } from './deposit-authorization.js'
import { channelIdOf, voucherTypedData } from './typed-data.js'
import type { BatchPayloadWire, ChannelConfigWire, FacilitatorSettlePayloadWire, VoucherClaimWire } from './wire.js'

let cast: Awaited<ReturnType<typeof startBatchCast>>
let facilitator: Facilitator
let chainId: number
let network: `eip155:${number}`
let token: Address
const live = () => new AbortController().signal

beforeAll(async () => {
  cast = await startBatchCast()
  chainId = cast.anvil.chainId
  network = `eip155:${chainId}`
  token = getAddress(cast.token)
  facilitator = localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, pollingIntervalMs: 50 })
}, 30_000)

afterAll(async () => {
  await cast?.anvil.stop()
})

function offer(overrides: Partial<PaymentRequirements> = {}, extra: Record<string, unknown> = {}): PaymentRequirements {
  return {
    scheme: 'batch-settlement',
    network,
    amount: '1000',
    asset: token,
    payTo: cast.receiver,
    maxTimeoutSeconds: 300,
    ...overrides,
    extra: { name: 'USDC', version: '2', receiverAuthorizer: cast.receiverAuthorizer.address, withdrawDelay: 900, ...extra },
  }
}

/** What the engine (or the seller's scheduler) hands the facilitator for `payload` under `requirements`. */
function requestFor(payload: BatchPayloadWire | FacilitatorSettlePayloadWire, requirements = offer()): SettleRequest {
  const paymentPayload = { x402Version: 2 as const, accepted: requirements, payload: payload as unknown as Record<string, unknown> }
  return {
    x402Version: 2,
    token: 'not-read',
    proof: { x402Version: 2, header: '', raw: '', payload: paymentPayload },
    requirements,
    paymentRequired: { x402Version: 2, resource: { url: 'http://localhost/paid' }, accepts: [requirements] },
    amount: requirements.amount ?? '0',
    verification: { isValid: true },
  }
}

/** A channel of the cast: the payer deposits, the voucher key signs, the facilitator's authorizer authorizes. */
function newChannel(overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  return channelConfig({
    payer: cast.payer.address,
    payerAuthorizer: cast.voucherKey.address,
    receiver: cast.receiver,
    receiverAuthorizer: cast.receiverAuthorizer.address,
    token,
    ...overrides,
  })
}

const wire = (config: ChannelConfig): ChannelConfigWire => ({ ...config })

async function voucher(config: ChannelConfig, amount: bigint, signer: LocalAccount = cast.voucherKey, channelId = channelIdOf(config, chainId)) {
  const signature = await signer.signTypedData(voucherTypedData({ channelId, maxClaimableAmount: amount }, chainId))
  return { channelId, maxClaimableAmount: amount.toString(), signature }
}

async function erc3009Deposit(config: ChannelConfig, amount: bigint, first: bigint, options: { signer?: LocalAccount; validBefore?: bigint } = {}) {
  const channelId = channelIdOf(config, chainId)
  const salt = BigInt(randomSalt())
  const validBefore = options.validBefore ?? BigInt(Math.floor(Date.now() / 1000) + 3600)
  const terms = { payer: config.payer, amount, validAfter: 0n, validBefore, salt }
  const signature = await (options.signer ?? cast.payer).signTypedData(erc3009DepositTypedData(terms, channelId, { address: token, name: 'USDC', version: '2', chainId }))
  return {
    type: 'deposit' as const,
    channelConfig: wire(config),
    voucher: await voucher(config, first, config.payerAuthorizer === zeroAddress ? cast.payer : cast.voucherKey),
    deposit: { amount: amount.toString(), authorization: { erc3009Authorization: { validAfter: '0', validBefore: validBefore.toString(), salt: `0x${salt.toString(16)}` as Hex, signature } } },
  }
}

async function permit2Deposit(config: ChannelConfig, amount: bigint, first: bigint, payer: LocalAccount) {
  const channelId = channelIdOf(config, chainId)
  const terms = { token, amount, nonce: BigInt(randomSalt()), deadline: BigInt(Math.floor(Date.now() / 1000) + 3600) }
  const signature = await payer.signTypedData(permit2DepositTypedData(terms, channelId, chainId))
  const permit2Authorization = {
    from: payer.address,
    permitted: { token, amount: amount.toString() },
    spender: PERMIT2_DEPOSIT_COLLECTOR_ADDRESS,
    nonce: terms.nonce.toString(),
    deadline: terms.deadline.toString(),
    witness: { channelId },
    signature,
  }
  return { type: 'deposit' as const, channelConfig: wire(config), voucher: await voucher(config, first), deposit: { amount: amount.toString(), authorization: { permit2Authorization } } }
}

async function claimOf(config: ChannelConfig, amount: bigint, totalClaimed = amount): Promise<VoucherClaimWire> {
  const signed = await voucher(config, amount)
  return { voucher: { channel: wire(config), maxClaimableAmount: amount.toString() }, signature: signed.signature, totalClaimed: totalClaimed.toString() }
}

/** An open channel with `amount` deposited through the facilitator. */
async function openChannel(amount = 50_000n, overrides: Partial<ChannelConfig> = {}) {
  const config = newChannel(overrides)
  const settled = await facilitator.settle(requestFor(await erc3009Deposit(config, amount, 1000n)), live())
  expect(settled).toMatchObject({ success: true })
  return { config, channelId: channelIdOf(config, chainId) }
}

const stateOf = (channelId: Hex) => readChannel(cast.owner, channelId)
const balanceOf = (holder: Address) => tokenBalance(cast.owner, token, holder)

describe('localFacilitator: batch-settlement', () => {
  it('lists batch-settlement with its receiver authorizer, and names it for offers', async () => {
    const kinds = await facilitator.supported!(live())
    expect(kinds).toContainEqual({ x402Version: 2, scheme: 'batch-settlement', network, extra: { receiverAuthorizer: cast.receiverAuthorizer.address } })
    expect(facilitator.offerExtra?.({ scheme: 'batch-settlement', network })).toEqual({ receiverAuthorizer: cast.receiverAuthorizer.address })
  })

  it('verifies an ERC-3009 deposit with the snapshot, then settles it: the payer pays the deposit into the channel', async () => {
    const config = newChannel()
    const channelId = channelIdOf(config, chainId)
    const payload = await erc3009Deposit(config, 40_000n, 1000n)
    expect(await facilitator.verify(requestFor(payload), live())).toEqual({
      isValid: true,
      payer: cast.payer.address,
      network,
      extra: { channelId, balance: '0', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0' },
    })
    const [payerBefore, escrowBefore] = [await balanceOf(cast.payer.address), await balanceOf(BATCH_SETTLEMENT_ADDRESS)]
    const settled = await facilitator.settle(requestFor(payload), live())
    expect(settled).toEqual({
      success: true,
      transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      network,
      payer: cast.payer.address,
      amount: '40000',
      extra: { channelState: { channelId, balance: '40000', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0' } },
    })
    expect([await balanceOf(cast.payer.address), await balanceOf(BATCH_SETTLEMENT_ADDRESS)]).toEqual([payerBefore - 40_000n, escrowBefore + 40_000n])
    // The same authorization again: the dry run refuses it, nothing moves.
    expect(await facilitator.settle(requestFor(payload), live())).toMatchObject({ success: false, errorReason: 'invalid_batch_settlement_evm_deposit_simulation_failed' })
    expect(await balanceOf(cast.payer.address)).toBe(payerBefore - 40_000n)
  })

  it('deposits by Permit2 for a payer that approved Permit2; one that did not is told to', async () => {
    const payer = privateKeyToAccount(cast.anvil.privateKeys[8]!)
    await fundUsdc(cast.owner, token, payer.address, 100_000n)
    const config = newChannel({ payer: payer.address })
    const payload = await permit2Deposit(config, 30_000n, 500n, payer)
    const requirements = offer({}, { assetTransferMethod: 'permit2' })
    expect(await facilitator.verify(requestFor(payload, requirements), live())).toMatchObject({ isValid: false, invalidReason: 'invalid_batch_settlement_evm_permit2_allowance_required' })
    await ensurePermit2Allowance(anvilClient(cast.anvil, payer), token, 1n, MAX_UINT256)
    expect(await facilitator.verify(requestFor(payload, requirements), live())).toMatchObject({ isValid: true, payer: payer.address })
    expect(await facilitator.settle(requestFor(payload, requirements), live())).toMatchObject({ success: true, amount: '30000' })
    expect(await balanceOf(payer.address)).toBe(70_000n)
    expect((await stateOf(channelIdOf(config, chainId))).balance).toBe(30_000n)
  })

  it('verifies vouchers, claims two channels in one claimWithSignature it signs, and sweeps them to the receiver', async () => {
    const a = await openChannel()
    const b = await openChannel()
    const v = await voucher(a.config, 7_000n)
    expect(await facilitator.verify(requestFor({ type: 'voucher', channelConfig: wire(a.config), voucher: v }), live())).toEqual({
      isValid: true,
      payer: cast.payer.address,
      network,
      extra: { channelId: a.channelId, balance: '50000', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0' },
    })
    const claim = { type: 'claim' as const, claims: [await claimOf(a.config, 7_000n), await claimOf(b.config, 4_000n, 2_500n)] }
    const claimed = await facilitator.settle(requestFor(claim), live())
    expect(claimed).toMatchObject({ success: true, amount: '', transaction: expect.stringMatching(/^0x/) })
    expect(claimed.extra).toEqual({ claims: [{ channelId: a.channelId, claimed: '7000', totalClaimed: '7000' }, { channelId: b.channelId, claimed: '2500', totalClaimed: '2500' }] })
    expect([(await stateOf(a.channelId)).totalClaimed, (await stateOf(b.channelId)).totalClaimed]).toEqual([7_000n, 2_500n])

    const receiverBefore = await balanceOf(cast.receiver)
    const swept = await facilitator.settle(requestFor({ type: 'settle', receiver: cast.receiver, token }), live())
    expect(swept).toMatchObject({ success: true, amount: '9500' })
    expect(await balanceOf(cast.receiver)).toBe(receiverBefore + 9_500n)
    expect(await facilitator.settle(requestFor({ type: 'settle', receiver: cast.receiver, token }), live())).toMatchObject({ success: false, errorReason: 'invalid_batch_settlement_evm_nothing_to_settle' })
  })

  it('takes a claim signed by the seller, and refuses to sign for a channel whose receiver authorizer is another', async () => {
    const foreignAuthorizer = privateKeyToAccount(cast.anvil.privateKeys[9]!)
    const requirements = offer({}, { receiverAuthorizer: foreignAuthorizer.address })
    const config = newChannel({ receiverAuthorizer: foreignAuthorizer.address })
    expect(await facilitator.settle(requestFor(await erc3009Deposit(config, 10_000n, 100n), requirements), live())).toMatchObject({ success: true })
    const row = await claimOf(config, 3_000n)
    const unsigned = await facilitator.settle(requestFor({ type: 'claim', claims: [row] }, requirements), live())
    expect(unsigned).toMatchObject({ success: false, errorReason: 'invalid_batch_settlement_evm_authorizer_address_mismatch' })
    const { claimBatchTypedData } = await import('./typed-data.js')
    const { toVoucherClaims } = await import('./payload-parse.js')
    const claimAuthorizerSignature = await foreignAuthorizer.signTypedData(claimBatchTypedData(toVoucherClaims([row]), chainId))
    expect(await facilitator.settle(requestFor({ type: 'claim', claims: [row], claimAuthorizerSignature }, requirements), live())).toMatchObject({ success: true })
    expect((await stateOf(channelIdOf(config, chainId))).totalClaimed).toBe(3_000n)
  })

  it('refunds the unclaimed balance with the claims up to now, in one transaction, and says what it returned', async () => {
    const { config, channelId } = await openChannel(20_000n)
    const zeroCharge = await voucher(config, 2_500n)
    const refund = {
      type: 'refund' as const,
      channelConfig: wire(config),
      voucher: zeroCharge,
      amount: '17500',
      refundNonce: '0',
      claims: [await claimOf(config, 2_500n)],
    }
    expect(await facilitator.verify(requestFor({ type: 'refund', channelConfig: wire(config), voucher: zeroCharge }), live())).toMatchObject({ isValid: true })
    const payerBefore = await balanceOf(cast.payer.address)
    const refunded = await facilitator.settle(requestFor(refund), live())
    expect(refunded).toMatchObject({
      success: true,
      payer: cast.payer.address,
      amount: '17500',
      extra: { channelState: { channelId, balance: '2500', totalClaimed: '2500', withdrawRequestedAt: 0, refundNonce: '1' } },
    })
    expect(await balanceOf(cast.payer.address)).toBe(payerBefore + 17_500n)
    const again = await facilitator.settle(requestFor({ ...refund, refundNonce: '1', claims: [] }), live())
    expect(again).toMatchObject({ success: false, errorReason: 'invalid_batch_settlement_evm_refund_no_balance' })
  })

  it('takes a voucher of a channel without payer authorizer when the payer signed it (asked on chain)', async () => {
    const { config } = await openChannel(10_000n, { payerAuthorizer: zeroAddress })
    const bySelf = await voucher(config, 2_000n, cast.payer)
    expect(await facilitator.verify(requestFor({ type: 'voucher', channelConfig: wire(config), voucher: bySelf }), live())).toMatchObject({ isValid: true })
    const byKey = await voucher(config, 2_000n, cast.voucherKey)
    expect(await facilitator.verify(requestFor({ type: 'voucher', channelConfig: wire(config), voucher: byKey }), live())).toMatchObject({ isValid: false, invalidReason: 'invalid_batch_settlement_evm_voucher_signature' })
  })
})
