// x402BatchSettlement at its canonical address on a real anvil chain: our typed data against the contract's own
// hashes, deposits by ERC-3009 and by Permit2, cumulative voucher claims (alone and batched under one authorizer
// signature) and the settle to the receiver, with balances read before and after and every deposit and claim error.
import { encodeAbiParameters, getAddress, keccak256, numberToHex, toFunctionSelector, zeroAddress, type Address, type Hex, type LocalAccount } from 'viem'
import { describe, expect, it } from 'vitest'
import { deployTestWallet, fundUsdc, type AnvilClient, type AnvilInstance } from '../anvil.js'
import {
  channelConfig,
  claimRow,
  erc3009DepositArgs,
  eventsOf,
  permit2DepositArgs,
  revertOf,
  send,
  tokenBalance,
} from '../../test-support/batch-channel.js'
import { useBatchCast } from '../../test-support/batch-cast.js'
import {
  BATCH_SETTLEMENT_ABI,
  BATCH_SETTLEMENT_ADDRESS,
  channelIdOf,
  claimBatchTypedData,
  ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
  PERMIT2_DEPOSIT_COLLECTOR_ADDRESS,
  readChannel,
  refundTypedData,
  verifyVoucherSignature,
  voucherDigest,
  voucherTypedData,
  type ChannelConfig,
} from './index.js'

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
let relayer: AnvilClient
let stranger: AnvilClient

useBatchCast({
  permit2Approved: true, // the payer, for deposits by Permit2
  ready: (cast) => ({ anvil, owner, token, payer, payerClient, receiver, receiverClient, receiverAuthorizer, authorizerClient, voucherKey, relayer, stranger } = cast),
})

const newChannel = (overrides: Partial<ChannelConfig> = {}) =>
  channelConfig({ payer: payer.address, payerAuthorizer: voucherKey.address, receiver, receiverAuthorizer: receiverAuthorizer.address, token, ...overrides })

async function openChannel(amount: bigint, overrides: Partial<ChannelConfig> = {}): Promise<ChannelConfig> {
  const config = newChannel(overrides)
  await send(relayer, 'deposit', await erc3009DepositArgs(relayer, config, amount, payer))
  return config
}

const channelIdFor = (config: ChannelConfig) => channelIdOf(config, anvil.chainId)

describe('the typed data builders agree with the contract', () => {
  it('channel id, voucher, refund and claim-batch digests are the contract\'s, and the domain binds the chain', async () => {
    const config = newChannel()
    const read = (functionName: string, args: readonly unknown[]) =>
      owner.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: BATCH_SETTLEMENT_ABI, functionName, args } as never) as Promise<Hex>
    const channelId = channelIdFor(config)
    expect(await read('getChannelId', [config])).toBe(channelId)
    expect(channelIdOf(config, anvil.chainId + 1)).not.toBe(channelId)
    expect(await read('getVoucherDigest', [channelId, 1234n])).toBe(voucherDigest(channelId, 1234n, anvil.chainId))
    const { hashTypedData } = await import('viem')
    expect(await read('getRefundDigest', [channelId, 3n, 500n])).toBe(hashTypedData(refundTypedData({ channelId, nonce: 3n, amount: 500n }, anvil.chainId)))
    const rows = [await claimRow(owner, config, 700n, voucherKey, 650n), await claimRow(owner, newChannel(), 90n, voucherKey)]
    expect(await read('getClaimBatchDigest', [rows])).toBe(hashTypedData(claimBatchTypedData(rows, anvil.chainId)))
  })

  it('a voucher our builder signs passes our verifier and the contract\'s claim; a forged or malleable one fails both', async () => {
    const config = await openChannel(10_000n)
    const channelId = channelIdFor(config)
    const signature = await voucherKey.signTypedData(voucherTypedData({ channelId, maxClaimableAmount: 400n }, anvil.chainId))
    const check = { channelId, maxClaimableAmount: 400n, signature, signer: voucherKey.address, chainId: anvil.chainId }
    expect(await verifyVoucherSignature(check)).toBe(true)
    expect(await verifyVoucherSignature({ ...check, maxClaimableAmount: 401n })).toBe(false)
    expect(await verifyVoucherSignature({ ...check, signer: payer.address })).toBe(false)
    expect(await verifyVoucherSignature({ ...check, channelId: channelIdFor(newChannel()) })).toBe(false)
    // The same signature with s flipped to the upper half recovers the same key, but the contract refuses it.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const s = BigInt(`0x${signature.slice(66, 130)}`)
    const v = Number.parseInt(signature.slice(130, 132), 16)
    const malleable = `${signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex
    expect(await verifyVoucherSignature({ ...check, signature: malleable })).toBe(false)
    const row = { voucher: { channel: config, maxClaimableAmount: 400n }, signature: malleable, totalClaimed: 400n }
    expect(await revertOf(receiverClient, 'claim', [[row]])).toBe('InvalidSignature')
    await send(receiverClient, 'claim', [[{ ...row, signature }]])
    expect((await readChannel(owner, channelId)).totalClaimed).toBe(400n)
  })
})

describe('deposits', () => {
  it('by ERC-3009: the payer\'s tokens move into escrow, the channel is created once, a top-up adds to it', async () => {
    const config = newChannel()
    const channelId = channelIdFor(config)
    const payerBefore = await tokenBalance(owner, token, payer.address)
    const escrowBefore = await tokenBalance(owner, token, BATCH_SETTLEMENT_ADDRESS)
    const first = await send(relayer, 'deposit', await erc3009DepositArgs(relayer, config, 100_000n, payer))
    expect(eventsOf(first, 'ChannelCreated')).toHaveLength(1)
    expect(eventsOf(first, 'Deposited')[0]!.args).toMatchObject({ channelId, amount: 100_000n, newBalance: 100_000n })
    const topUp = await send(relayer, 'deposit', await erc3009DepositArgs(relayer, config, 50_000n, payer))
    expect(eventsOf(topUp, 'ChannelCreated')).toHaveLength(0)
    expect(await tokenBalance(owner, token, payer.address)).toBe(payerBefore - 150_000n)
    expect(await tokenBalance(owner, token, BATCH_SETTLEMENT_ADDRESS)).toBe(escrowBefore + 150_000n)
    expect(await tokenBalance(owner, token, ERC3009_DEPOSIT_COLLECTOR_ADDRESS)).toBe(0n)
    expect(await readChannel(owner, channelId)).toEqual({ channelId, balance: 150_000n, totalClaimed: 0n, withdrawRequestedAt: 0, withdrawAmount: 0n, refundNonce: 0n })
  })

  it('an ERC-3009 deposit authorization is spent once, and only for the channel it names', async () => {
    const config = newChannel()
    const args = await erc3009DepositArgs(relayer, config, 1_000n, payer)
    await send(relayer, 'deposit', args)
    expect(await revertOf(relayer, 'deposit', args)).toBe('authorization is used')
    // The ERC-3009 nonce is keccak256(channelId, salt): for another channel the signature no longer matches.
    expect(await revertOf(relayer, 'deposit', [newChannel(), ...args.slice(1)])).toBe('invalid signature')
  })

  it('by Permit2: the tokens go straight from the payer to escrow, with the channel id as witness', async () => {
    const config = newChannel()
    const payerBefore = await tokenBalance(owner, token, payer.address)
    const escrowBefore = await tokenBalance(owner, token, BATCH_SETTLEMENT_ADDRESS)
    const receipt = await send(relayer, 'deposit', await permit2DepositArgs(relayer, config, 70_000n, payer))
    expect(eventsOf(receipt, 'ChannelCreated')).toHaveLength(1)
    expect(await tokenBalance(owner, token, payer.address)).toBe(payerBefore - 70_000n)
    expect(await tokenBalance(owner, token, BATCH_SETTLEMENT_ADDRESS)).toBe(escrowBefore + 70_000n)
    expect(await tokenBalance(owner, token, PERMIT2_DEPOSIT_COLLECTOR_ADDRESS)).toBe(0n)
    expect((await readChannel(owner, channelIdFor(config))).balance).toBe(70_000n)
    // The witness binds the channel: the same permit cannot fund another one.
    const args = await permit2DepositArgs(relayer, config, 1_000n, payer)
    expect(await revertOf(relayer, 'deposit', [newChannel(), ...args.slice(1)])).toBe('InvalidSigner')
  })

  it('by Permit2 with an EIP-2612 segment: its value must be the amount; a token without permit logs why and the deposit goes on', async () => {
    const config = newChannel()
    const permitData = (value: bigint) =>
      encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint8' }, { type: 'bytes32' }, { type: 'bytes32' }], [value, 9_999_999_999n, 27, `0x${'11'.repeat(32)}`, `0x${'22'.repeat(32)}`])
    expect(await revertOf(relayer, 'deposit', await permit2DepositArgs(relayer, config, 5_000n, payer, permitData(4_999n)))).toBe('Permit2612AmountMismatch')
    const receipt = await send(relayer, 'deposit', await permit2DepositArgs(relayer, config, 5_000n, payer, permitData(5_000n)))
    expect(eventsOf(receipt, 'EIP2612PermitFailedWithData')).toHaveLength(1)
    expect((await readChannel(owner, channelIdFor(config))).balance).toBe(5_000n)
  })

  it('refuses bad configs, a zero amount, no collector, a collector that moves nothing, and an overflowing balance', async () => {
    const args = await erc3009DepositArgs(relayer, newChannel(), 1_000n, payer)
    const [config, amount, collector, data] = args
    for (const field of ['payer', 'receiver', 'receiverAuthorizer', 'token'] as const) {
      expect(await revertOf(relayer, 'deposit', [{ ...config, [field]: zeroAddress }, amount, collector, data]), field).toBe('InvalidChannel')
    }
    expect(await revertOf(relayer, 'deposit', [{ ...config, withdrawDelay: 899 }, amount, collector, data])).toBe('WithdrawDelayOutOfRange')
    expect(await revertOf(relayer, 'deposit', [{ ...config, withdrawDelay: 2_592_001 }, amount, collector, data])).toBe('WithdrawDelayOutOfRange')
    expect(await revertOf(relayer, 'deposit', [config, 0n, collector, data])).toBe('ZeroDeposit')
    expect(await revertOf(relayer, 'deposit', [config, amount, zeroAddress, data])).toBe('InvalidCollector')
    // A "collector" whose code only stops: the call succeeds, the escrow does not grow.
    const idle: Address = '0x00000000000000000000000000000000000c0de0'
    await (owner.request as (args: { method: string; params: unknown[] }) => Promise<unknown>)({ method: 'anvil_setCode', params: [idle, '0x00'] })
    expect(await revertOf(relayer, 'deposit', [config, amount, idle, data])).toBe('DepositCollectionFailed')
    // A balance that would pass uint128.
    const max128 = (1n << 128n) - 1n
    const whale = anvil.accounts[8]!
    await fundUsdc(owner, token, whale.address, max128 + 1n)
    const whaleChannel = newChannel({ payer: whale.address })
    await send(relayer, 'deposit', await erc3009DepositArgs(relayer, whaleChannel, max128, whale))
    expect(await revertOf(relayer, 'deposit', await erc3009DepositArgs(relayer, whaleChannel, 1n, whale))).toBe('DepositOverflow')
  })

  it('a collector that calls back into the contract is stopped by the reentrancy lock', async () => {
    // Hand-assembled collector: collect() calls settle(0, 0) on the settlement contract and reverts with its answer.
    const selector = toFunctionSelector('settle(address,address)').slice(2)
    const code = `0x63${selector}60e01b600052` + '60006000604460006000' + `73${BATCH_SETTLEMENT_ADDRESS.slice(2).toLowerCase()}5af1` + '6039573d600060003e3d6000fd5b00'
    const reentrant: Address = '0x00000000000000000000000000000000000c0de1'
    await (owner.request as (args: { method: string; params: unknown[] }) => Promise<unknown>)({ method: 'anvil_setCode', params: [reentrant, code] })
    const [config, amount, , data] = await erc3009DepositArgs(relayer, newChannel(), 1_000n, payer)
    expect(await revertOf(relayer, 'deposit', [config, amount, reentrant, data])).toBe('ReentrancyGuardReentrantCall')
  })

  it('the collectors take calls from the settlement contract only', async () => {
    const args = await erc3009DepositArgs(relayer, newChannel(), 1_000n, payer)
    const call = (address: Address) =>
      revertOf(stranger, 'collect', [payer.address, token, 1_000n, channelIdFor(args[0]), args[3]], address)
    expect(await call(ERC3009_DEPOSIT_COLLECTOR_ADDRESS)).toBe('OnlyX402BatchSettlement')
    expect(await call(PERMIT2_DEPOSIT_COLLECTOR_ADDRESS)).toBe('OnlyX402BatchSettlement')
  })
})

describe('claims and settle', () => {
  it('claim: cumulative vouchers raise totalClaimed, an old one replayed changes nothing, settle pays the receiver once', async () => {
    const config = await openChannel(10_000n)
    const channelId = channelIdFor(config)
    const receiverBefore = await tokenBalance(owner, token, receiver)
    const first = await send(receiverClient, 'claim', [[await claimRow(owner, config, 100n, voucherKey)]])
    expect(eventsOf(first, 'Claimed')[0]!.args).toMatchObject({ channelId, claimAmount: 100n, newTotalClaimed: 100n })
    // The receiver authorizer may claim too, and a voucher's ceiling need not be claimed whole.
    await send(authorizerClient, 'claim', [[await claimRow(owner, config, 300n, voucherKey, 250n)]])
    const replay = await send(receiverClient, 'claim', [[await claimRow(owner, config, 100n, voucherKey)]])
    expect(eventsOf(replay, 'Claimed')).toHaveLength(0)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 10_000n, totalClaimed: 250n })
    // Claiming moves no tokens; settle (anyone may send it) moves all that is claimed and unsettled, once.
    expect(await tokenBalance(owner, token, receiver)).toBe(receiverBefore)
    const [claimed, settledBefore] = await receiverTotals(receiver)
    const escrowBefore = await tokenBalance(owner, token, BATCH_SETTLEMENT_ADDRESS)
    const settled = await send(stranger, 'settle', [receiver, token])
    expect(eventsOf(settled, 'Settled')[0]!.args).toMatchObject({ receiver, token: getAddress(token), amount: claimed - settledBefore })
    expect(await tokenBalance(owner, token, receiver)).toBe(receiverBefore + claimed - settledBefore)
    expect(await tokenBalance(owner, token, BATCH_SETTLEMENT_ADDRESS)).toBe(escrowBefore - (claimed - settledBefore))
    expect(await receiverTotals(receiver)).toEqual([claimed, claimed])
    const again = await send(stranger, 'settle', [receiver, token])
    expect(eventsOf(again, 'Settled')).toHaveLength(0)
    expect(await tokenBalance(owner, token, receiver)).toBe(receiverBefore + claimed - settledBefore)
  })

  it('settle reverts TokenTransferFailed when the token answers false or has no code, and keeps what is owed', async () => {
    // Owed amounts are written straight into receivers[receiver][token] (mapping at slot 3; totalClaimed is the low half).
    const owe = async (who: Address, what: Address, amount: bigint) => {
      const inner = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [who, 3n]))
      const slot = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [what, inner]))
      await (owner.request as (args: { method: string; params: unknown[] }) => Promise<unknown>)({ method: 'anvil_setStorageAt', params: [BATCH_SETTLEMENT_ADDRESS, slot, numberToHex(amount, { size: 32 })] })
    }
    const falseToken: Address = '0x00000000000000000000000000000000000c0de2'
    // Its code returns 32 zero bytes to every call: transfer() answers false.
    await (owner.request as (args: { method: string; params: unknown[] }) => Promise<unknown>)({ method: 'anvil_setCode', params: [falseToken, '0x60206000f3'] })
    await owe(receiver, falseToken, 5n)
    expect(await receiverTotals(receiver, falseToken)).toEqual([5n, 0n])
    expect(await revertOf(stranger, 'settle', [receiver, falseToken])).toBe('TokenTransferFailed')
    const noCode: Address = '0x00000000000000000000000000000000000c0de3'
    await owe(receiver, noCode, 5n)
    expect(await revertOf(stranger, 'settle', [receiver, noCode])).toBe('TokenTransferFailed')
    expect(await receiverTotals(receiver, noCode)).toEqual([5n, 0n])
  })

  it('claim refuses an empty batch, a sender of neither receiver side, a claim past the voucher or the balance, a forged voucher', async () => {
    const config = await openChannel(1_000n)
    expect(await revertOf(receiverClient, 'claim', [[]])).toBe('EmptyBatch')
    expect(await revertOf(payerClient, 'claim', [[await claimRow(owner, config, 100n, voucherKey)]])).toBe('NotAuthorizedToClaim')
    expect(await revertOf(receiverClient, 'claim', [[await claimRow(owner, config, 100n, voucherKey, 101n)]])).toBe('ClaimExceedsCeiling')
    expect(await revertOf(receiverClient, 'claim', [[await claimRow(owner, config, 1_001n, voucherKey)]])).toBe('ClaimExceedsBalance')
    expect(await revertOf(receiverClient, 'claim', [[await claimRow(owner, config, 100n, payer)]])).toBe('InvalidSignature')
    // Signed for another channel: the digest differs, so the signer does not recover.
    const other = await claimRow(owner, newChannel(), 100n, voucherKey)
    expect(await revertOf(receiverClient, 'claim', [[{ ...other, voucher: { ...other.voucher, channel: config } }]])).toBe('InvalidSignature')
    expect((await readChannel(owner, channelIdFor(config))).totalClaimed).toBe(0n)
  })

  it('with no payer authorizer the payer signs, and an ERC-1271 wallet is asked', async () => {
    const config = await openChannel(1_000n, { payerAuthorizer: zeroAddress })
    expect(await revertOf(receiverClient, 'claim', [[await claimRow(owner, config, 100n, voucherKey)]])).toBe('InvalidSignature')
    await send(receiverClient, 'claim', [[await claimRow(owner, config, 100n, payer)]])
    expect((await readChannel(owner, channelIdFor(config))).totalClaimed).toBe(100n)
    // A smart-contract wallet payer: its owner signs the deposit and the vouchers, the wallet vouches (ERC-1271).
    const wallet = await deployTestWallet(owner, payer.address)
    await fundUsdc(owner, token, wallet, 10_000n)
    const walletChannel = newChannel({ payer: wallet, payerAuthorizer: zeroAddress })
    await send(relayer, 'deposit', await erc3009DepositArgs(relayer, walletChannel, 10_000n, payer))
    expect(await tokenBalance(owner, token, wallet)).toBe(0n)
    expect(await revertOf(receiverClient, 'claim', [[await claimRow(owner, walletChannel, 100n, voucherKey)]])).toBe('InvalidSignature')
    await send(receiverClient, 'claim', [[await claimRow(owner, walletChannel, 300n, payer)]])
    expect((await readChannel(owner, channelIdFor(walletChannel))).totalClaimed).toBe(300n)
  })

  it('claimWithSignature: one authorizer signature claims twelve channels of two payers, relayed by anyone', async () => {
    const secondPayer = anvil.accounts[6]!
    await fundUsdc(owner, token, secondPayer.address, 1_000_000n)
    const configs: ChannelConfig[] = []
    for (let i = 0; i < 12; i++) {
      const who = i % 2 === 0 ? payer : secondPayer
      const config = newChannel({ payer: who.address, payerAuthorizer: i % 3 === 0 ? zeroAddress : voucherKey.address })
      await send(relayer, 'deposit', await erc3009DepositArgs(relayer, config, 5_000n, who))
      configs.push(config)
    }
    const rows = await Promise.all(configs.map((config, i) => claimRow(owner, config, BigInt(100 * (i + 1)), config.payerAuthorizer === zeroAddress ? (config.payer === payer.address ? payer : secondPayer) : voucherKey)))
    const signature = await receiverAuthorizer.signTypedData(claimBatchTypedData(rows, anvil.chainId))
    const [claimedBefore] = await receiverTotals(receiver)
    const receipt = await send(stranger, 'claimWithSignature', [rows, signature])
    expect(eventsOf(receipt, 'Claimed')).toHaveLength(12)
    for (const [i, config] of configs.entries()) expect((await readChannel(owner, channelIdFor(config))).totalClaimed).toBe(BigInt(100 * (i + 1)))
    expect((await receiverTotals(receiver))[0]).toBe(claimedBefore + 7_800n)
    // The same batch again is a no-op: every row's total is already claimed.
    const replay = await send(stranger, 'claimWithSignature', [rows, signature])
    expect(eventsOf(replay, 'Claimed')).toHaveLength(0)
  })

  it('claimWithSignature refuses an empty batch, another signer, rows changed after signing, and rows of two authorizers', async () => {
    const config = await openChannel(1_000n)
    const rows = [await claimRow(owner, config, 100n, voucherKey)]
    expect(await revertOf(stranger, 'claimWithSignature', [[], '0x'])).toBe('EmptyBatch')
    const bySomeoneElse = await payer.signTypedData(claimBatchTypedData(rows, anvil.chainId))
    expect(await revertOf(stranger, 'claimWithSignature', [rows, bySomeoneElse])).toBe('InvalidSignature')
    const signature = await receiverAuthorizer.signTypedData(claimBatchTypedData(rows, anvil.chainId))
    expect(await revertOf(stranger, 'claimWithSignature', [[{ ...rows[0]!, totalClaimed: 99n }], signature])).toBe('InvalidSignature')
    const otherAuthorizer = await openChannel(1_000n, { receiverAuthorizer: anvil.accounts[9]!.address })
    const mixed = [...rows, await claimRow(owner, otherAuthorizer, 100n, voucherKey)]
    expect(await revertOf(stranger, 'claimWithSignature', [mixed, await receiverAuthorizer.signTypedData(claimBatchTypedData(mixed, anvil.chainId))])).toBe('NotReceiverAuthorizer')
  })
})

async function receiverTotals(who: Address, asset: Address = token): Promise<[bigint, bigint]> {
  const [claimed, settled] = await owner.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: BATCH_SETTLEMENT_ABI, functionName: 'receivers', args: [who, asset] })
  return [claimed, settled]
}
