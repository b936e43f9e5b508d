// localFacilitator's batch-settlement path refuses bad input with the spec's reasons, and nothing moves on chain:
// forged vouchers, vouchers for another channel, receiver or token, amounts that do not advance or exceed the
// balance, bad deposit authorizations, a timed withdrawal (reported while pending, then the lower balance holds),
// claims over their voucher, stale refunds; balances and channel state read before and after.
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Facilitator } from '../../facilitator/types.js'
import { advanceTime, send } from '../../test-support/batch-channel.js'
import { useBatchCast } from '../../test-support/batch-cast.js'
import { batchKit, wire } from '../../test-support/batch-facilitator.js'
import { anvilClient, deployTestToken } from '../anvil.js'
import { localFacilitator } from '../facilitator.js'
import { BATCH_SETTLEMENT_ADDRESS, type ChannelConfig } from './constants.js'
import { channelIdOf } from './typed-data.js'

const cast = useBatchCast()
let kit: ReturnType<typeof batchKit>
let facilitator: Facilitator
const live = () => new AbortController().signal
const reason = (name: string) => `invalid_batch_settlement_evm_${name}`

beforeAll(async () => {
  kit = batchKit(cast)
  facilitator = localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, pollingIntervalMs: 50 })
}, 30_000)

async function openChannel(amount = 50_000n, overrides: Partial<ChannelConfig> = {}) {
  const config = kit.newChannel(overrides)
  expect(await facilitator.settle(kit.requestFor(await kit.erc3009Deposit(config, amount, 1000n)), live())).toMatchObject({ success: true })
  return { config, channelId: channelIdOf(config, kit.chainId) }
}

/** The money and the channel, to show that a refusal moved nothing. */
async function ledger(channelId: `0x${string}`) {
  return {
    payer: await kit.balanceOf(cast.payer.address),
    escrow: await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS),
    receiver: await kit.balanceOf(cast.receiver),
    channel: await kit.stateOf(channelId),
  }
}

describe('batch-settlement vouchers the facilitator refuses', () => {
  let config: ChannelConfig
  let channelId: `0x${string}`

  beforeAll(async () => {
    ;({ config, channelId } = await openChannel())
    expect(await facilitator.settle(kit.requestFor({ type: 'claim', claims: [await kit.claimOf(config, 5_000n)] }), live())).toMatchObject({ success: true })
  })

  const verifyVoucher = (channel: ChannelConfig, voucher: Awaited<ReturnType<typeof kit.voucher>>, requirements = kit.offer()) =>
    facilitator.verify(kit.requestFor({ type: 'voucher', channelConfig: wire(channel), voucher }, requirements), live())

  it('a voucher signed by another key: voucher_signature', async () => {
    const forger = privateKeyToAccount(cast.anvil.privateKeys[7]!)
    expect(await verifyVoucher(config, await kit.voucher(config, 6_000n, forger))).toMatchObject({ isValid: false, invalidReason: reason('voucher_signature'), payer: cast.payer.address })
  })

  it('a voucher for another channel, or the config of another receiver or token than the offer: the mismatch', async () => {
    const other = kit.newChannel()
    expect(await verifyVoucher(config, await kit.voucher(other, 6_000n))).toMatchObject({ invalidReason: reason('channel_id_mismatch') })
    const elsewhere = kit.newChannel({ receiver: cast.anvil.accounts[7]!.address })
    expect(await verifyVoucher(elsewhere, await kit.voucher(elsewhere, 6_000n))).toMatchObject({ invalidReason: reason('receiver_mismatch') })
    const otherToken = kit.newChannel({ token: await deployTestToken(cast.owner) })
    expect(await verifyVoucher(otherToken, await kit.voucher(otherToken, 6_000n))).toMatchObject({ invalidReason: reason('token_mismatch') })
    const otherAuthorizer = kit.newChannel({ receiverAuthorizer: cast.anvil.accounts[9]!.address })
    expect(await verifyVoucher(otherAuthorizer, await kit.voucher(otherAuthorizer, 6_000n))).toMatchObject({ invalidReason: reason('receiver_authorizer_mismatch') })
    const longer = kit.newChannel({ withdrawDelay: 1800 })
    expect(await verifyVoucher(longer, await kit.voucher(longer, 6_000n))).toMatchObject({ invalidReason: reason('withdraw_delay_mismatch') })
  })

  it('an amount that does not advance past the claimed 5000 (an old voucher replayed), or exceeds the balance', async () => {
    expect(await verifyVoucher(config, await kit.voucher(config, 5_000n))).toMatchObject({ invalidReason: reason('cumulative_below_claimed') })
    expect(await verifyVoucher(config, await kit.voucher(config, 3_000n))).toMatchObject({ invalidReason: reason('cumulative_below_claimed') })
    expect(await verifyVoucher(config, await kit.voucher(config, 50_001n))).toMatchObject({ invalidReason: reason('cumulative_exceeds_balance') })
    expect(await verifyVoucher(config, await kit.voucher(config, 50_000n))).toMatchObject({ isValid: true })
  })

  it('a channel never funded: channel_not_found; an offer on another chain or scheme, a malformed payload', async () => {
    const empty = kit.newChannel()
    expect(await verifyVoucher(empty, await kit.voucher(empty, 1_000n))).toMatchObject({ invalidReason: reason('channel_not_found') })
    const voucher = await kit.voucher(config, 6_000n)
    expect(await verifyVoucher(config, voucher, kit.offer({ network: 'eip155:1' }))).toMatchObject({ invalidReason: reason('network_mismatch') })
    expect(await facilitator.verify(kit.requestFor({ type: 'claim', claims: [] }), live())).toMatchObject({ invalidReason: reason('payload_type') })
    expect(await facilitator.verify(kit.requestFor({ type: 'voucher', channelConfig: wire(config), voucher: { ...voucher, maxClaimableAmount: '-1' } }), live())).toMatchObject({
      invalidReason: reason('voucher_payload'),
    })
  })

  it('a claim over its voucher, or of a forged voucher: claim_simulation_failed, and nothing is claimed', async () => {
    const before = await ledger(channelId)
    const over = await facilitator.settle(kit.requestFor({ type: 'claim', claims: [await kit.claimOf(config, 8_000n, 9_000n)] }), live())
    expect(over).toMatchObject({ success: false, errorReason: reason('claim_simulation_failed'), transaction: '' })
    const forger = privateKeyToAccount(cast.anvil.privateKeys[7]!)
    const forged = await facilitator.settle(kit.requestFor({ type: 'claim', claims: [await kit.claimOf(config, 8_000n, 8_000n, forger)] }), live())
    expect(forged).toMatchObject({ success: false, errorReason: reason('claim_simulation_failed') })
    expect(await ledger(channelId)).toEqual(before)
  })

  it('a refund at a stale nonce: refund_simulation_failed; nothing moves', async () => {
    const before = await ledger(channelId)
    const stale = { type: 'refund', channelConfig: wire(config), voucher: await kit.voucher(config, 5_000n), amount: '1000', refundNonce: '7', claims: [] }
    expect(await facilitator.settle(kit.requestFor(stale), live())).toMatchObject({ success: false, errorReason: reason('refund_simulation_failed') })
    expect(await facilitator.settle(kit.requestFor({ ...stale, amount: '0' }), live())).toMatchObject({ success: false, errorReason: reason('refund_amount_invalid') })
    expect(await ledger(channelId)).toEqual(before)
  })
})

describe('batch-settlement deposits the facilitator refuses', () => {
  const deposit = (payload: Record<string, unknown>, requirements = kit.offer()) => ({
    verified: facilitator.verify(kit.requestFor(payload, requirements), live()),
    settled: () => facilitator.settle(kit.requestFor(payload, requirements), live()),
  })

  async function refusedEverywhere(payload: Record<string, unknown>, expected: string, requirements = kit.offer()) {
    const config = payload.channelConfig as ChannelConfig
    const before = await ledger(channelIdOf(config, kit.chainId))
    const { verified, settled } = deposit(payload, requirements)
    expect(await verified).toMatchObject({ isValid: false, invalidReason: reason(expected) })
    expect(await settled()).toMatchObject({ success: false, errorReason: reason(expected), transaction: '' })
    expect(await ledger(channelIdOf(config, kit.chainId))).toEqual(before)
  }

  it('an ERC-3009 authorization signed by another key, expired, or missing the token domain', async () => {
    const config = kit.newChannel()
    await refusedEverywhere(await kit.erc3009Deposit(config, 10_000n, 100n, { signer: privateKeyToAccount(cast.anvil.privateKeys[7]!) }), 'receive_authorization_signature')
    await refusedEverywhere(await kit.erc3009Deposit(config, 10_000n, 100n, { validBefore: BigInt(Math.floor(Date.now() / 1000) - 1) }), 'payload_authorization_valid_before')
    const offer = kit.offer()
    delete offer.extra!.name
    await refusedEverywhere(await kit.erc3009Deposit(config, 10_000n, 100n), 'missing_eip712_domain', offer)
  })

  it('a first voucher above the deposit, or signed by another key; more than the payer holds', async () => {
    const config = kit.newChannel()
    await refusedEverywhere(await kit.erc3009Deposit(config, 10_000n, 10_001n), 'cumulative_exceeds_balance')
    const payload = await kit.erc3009Deposit(config, 10_000n, 100n)
    await refusedEverywhere({ ...payload, voucher: await kit.voucher(config, 100n, privateKeyToAccount(cast.anvil.privateKeys[7]!)) }, 'voucher_signature')
    await refusedEverywhere(await kit.erc3009Deposit(config, 10n ** 12n, 100n), 'insufficient_balance')
  })

  it('a Permit2 authorization for another amount than the deposit; an ERC-3009 offer paid with none', async () => {
    const config = kit.newChannel()
    await refusedEverywhere(await kit.permit2Deposit(config, 10_000n, 100n, cast.payer, 9_000n), 'permit2_amount_mismatch')
    const permit2 = await kit.permit2Deposit(config, 10_000n, 100n, cast.payer)
    await refusedEverywhere(permit2, 'erc3009_authorization_required', kit.offer({}, { assetTransferMethod: 'eip3009' }))
  })
})

describe('a timed withdrawal', () => {
  it('is reported while pending (the seller claims before it ends); once finalized, the lower balance holds', async () => {
    const { config, channelId } = await openChannel(20_000n)
    const payerClient = anvilClient(cast.anvil, cast.payer)
    await send(payerClient, 'initiateWithdraw', [config, 15_000n])
    const verifyVoucher = async (amount: bigint) => facilitator.verify(kit.requestFor({ type: 'voucher', channelConfig: wire(config), voucher: await kit.voucher(config, amount) }), live())
    const pending = await verifyVoucher(4_000n)
    expect(pending).toMatchObject({ isValid: true, extra: { channelId, balance: '20000', withdrawRequestedAt: expect.any(Number) } })
    expect((pending.extra as { withdrawRequestedAt: number }).withdrawRequestedAt).toBeGreaterThan(0)

    await advanceTime(payerClient, 901)
    await send(payerClient, 'finalizeWithdraw', [config])
    expect(await kit.stateOf(channelId)).toMatchObject({ balance: 5_000n, withdrawRequestedAt: 0 })
    expect(await verifyVoucher(6_000n)).toMatchObject({ isValid: false, invalidReason: reason('cumulative_exceeds_balance') })
    expect(await verifyVoucher(5_000n)).toMatchObject({ isValid: true, extra: { balance: '5000', withdrawRequestedAt: 0 } })
  })
})
