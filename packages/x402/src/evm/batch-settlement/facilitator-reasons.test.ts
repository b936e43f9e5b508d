// The spec's refusal codes of localFacilitator's batch-settlement path that no other test asserted: a withdraw delay
// out of its bounds, a deposit without the Permit2 authorization the offer asks for, a Permit2 deposit for another
// spender or not signed by the payer, and malformed claim and settle payloads. Each is refused at verify (where it
// applies) and at settle, and nothing moves on chain (balances and the channel read before and after).
import { privateKeyToAccount } from 'viem/accounts'
import { useBatchCast } from '../../test-support/batch-cast.js'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Facilitator } from '../../facilitator/types.js'
import { batchKit, wire } from '../../test-support/batch-facilitator.js'
import { localFacilitator } from '../facilitator.js'
import { BATCH_SETTLEMENT_ADDRESS, type ChannelConfig } from './constants.js'
import { BATCH_REASONS } from './reasons.js'
import { channelIdOf } from './typed-data.js'

const cast = useBatchCast()
let kit: ReturnType<typeof batchKit>
let facilitator: Facilitator
const live = () => new AbortController().signal

beforeAll(async () => {
  kit = batchKit(cast)
  facilitator = localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, pollingIntervalMs: 50 })
}, 30_000)

/** The money and the channel, to show that a refusal moved nothing. */
async function ledger(config: ChannelConfig) {
  return {
    payer: await kit.balanceOf(cast.payer.address),
    escrow: await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS),
    receiver: await kit.balanceOf(cast.receiver),
    channel: await kit.stateOf(channelIdOf(config, kit.chainId)),
  }
}

/** `payload` under `requirements` is refused with `reason` at verify and at settle, and nothing moves. */
async function refused(config: ChannelConfig, payload: Record<string, unknown>, reason: string, requirements = kit.offer()) {
  const before = await ledger(config)
  const request = kit.requestFor(payload, requirements)
  expect(await facilitator.verify(request, live())).toMatchObject({ isValid: false, invalidReason: reason })
  expect(await facilitator.settle(request, live())).toMatchObject({ success: false, errorReason: reason, transaction: '' })
  expect(await ledger(config)).toEqual(before)
}

describe('batch-settlement refusals of the facilitator', () => {
  it('a channel whose withdraw delay is outside 15 minutes to 30 days (the offer names the same): withdraw_delay_out_of_range', async () => {
    const short = kit.newChannel({ withdrawDelay: 899 })
    await refused(short, await kit.erc3009Deposit(short, 10_000n, 1_000n), BATCH_REASONS.withdrawDelayOutOfRange, kit.offer({}, { withdrawDelay: 899 }))
    const long = kit.newChannel({ withdrawDelay: 2_592_001 })
    const voucher = { type: 'voucher', channelConfig: wire(long), voucher: await kit.voucher(long, 1_000n) }
    const before = await ledger(long)
    expect(await facilitator.verify(kit.requestFor(voucher, kit.offer({}, { withdrawDelay: 2_592_001 })), live())).toMatchObject({ isValid: false, invalidReason: BATCH_REASONS.withdrawDelayOutOfRange })
    expect(await ledger(long)).toEqual(before)
  })

  it('an ERC-3009 deposit on an offer that takes Permit2 deposits: permit2_authorization_required', async () => {
    const config = kit.newChannel()
    await refused(config, await kit.erc3009Deposit(config, 10_000n, 1_000n), BATCH_REASONS.permit2AuthorizationRequired, kit.offer({}, { assetTransferMethod: 'permit2' }))
  })

  it('a Permit2 deposit for another spender than the deposit collector: permit2_invalid_spender', async () => {
    const config = kit.newChannel()
    const deposit = await kit.permit2Deposit(config, 10_000n, 1_000n, cast.payer)
    const permit2Authorization = { ...deposit.deposit.authorization.permit2Authorization, spender: cast.anvil.accounts[8]!.address }
    await refused(config, { ...deposit, deposit: { ...deposit.deposit, authorization: { permit2Authorization } } }, BATCH_REASONS.permit2InvalidSpender)
  })

  it('a Permit2 deposit signed by another key, or naming another owner: permit2_invalid_signature', async () => {
    const config = kit.newChannel()
    const forger = privateKeyToAccount(cast.anvil.privateKeys[7]!)
    const forged = await kit.permit2Deposit(config, 10_000n, 1_000n, forger)
    // Signed by the forger, claimed as the payer's.
    const claimedAsPayer = { ...forged.deposit.authorization.permit2Authorization, from: cast.payer.address }
    await refused(config, { ...forged, deposit: { ...forged.deposit, authorization: { permit2Authorization: claimedAsPayer } } }, BATCH_REASONS.permit2InvalidSignature)
    // Signed by the forger as itself: not the channel's payer.
    await refused(config, forged, BATCH_REASONS.permit2InvalidSignature)
  })

  it("a voucher that advances past what is claimed by less than the offer's amount: cumulative_below_claimed (rule 10)", async () => {
    const config = kit.newChannel()
    const channelId = channelIdOf(config, kit.chainId)
    expect(await facilitator.settle(kit.requestFor(await kit.erc3009Deposit(config, 50_000n, 1_000n)), live())).toMatchObject({ success: true })
    expect(await facilitator.settle(kit.requestFor({ type: 'claim', claims: [await kit.claimOf(config, 5_000n)] }), live())).toMatchObject({ success: true })
    expect(await kit.stateOf(channelId)).toMatchObject({ totalClaimed: 5_000n })
    // The offer's amount is 1 000: a paid request's voucher must reach 6 000 at least.
    const verifyVoucher = async (amount: bigint) => facilitator.verify(kit.requestFor({ type: 'voucher', channelConfig: wire(config), voucher: await kit.voucher(config, amount) }), live())
    expect(await verifyVoucher(5_999n)).toMatchObject({ isValid: false, invalidReason: BATCH_REASONS.cumulativeBelowClaimed })
    const before = await ledger(config)
    expect(await facilitator.settle(kit.requestFor({ type: 'voucher', channelConfig: wire(config), voucher: await kit.voucher(config, 5_999n) }), live())).toMatchObject({ success: false })
    expect(await ledger(config)).toEqual(before)
    expect(await verifyVoucher(6_000n)).toMatchObject({ isValid: true, extra: { totalClaimed: '5000' } })
    // A refund's zero-charge voucher may equal what is claimed.
    expect(await facilitator.verify(kit.requestFor({ type: 'refund', channelConfig: wire(config), voucher: await kit.voucher(config, 5_000n) }), live())).toMatchObject({ isValid: true })
  })

  it('malformed claim and settle payloads: claim_payload, settle_payload (settle only: they are not verified)', async () => {
    const config = kit.newChannel()
    const before = await ledger(config)
    const claim = await kit.claimOf(config, 1_000n)
    for (const [payload, reason] of [
      [{ type: 'claim', claims: 'all of them' }, BATCH_REASONS.claimPayload],
      [{ type: 'claim', claims: [{ ...claim, totalClaimed: '-1' }] }, BATCH_REASONS.claimPayload],
      [{ type: 'settle', receiver: 'the seller', token: kit.token }, BATCH_REASONS.settlePayload],
      [{ type: 'settle', receiver: cast.receiver }, BATCH_REASONS.settlePayload],
    ] as const) {
      expect(await facilitator.settle(kit.requestFor(payload), live())).toMatchObject({ success: false, errorReason: reason, transaction: '' })
    }
    expect(await ledger(config)).toEqual(before)
  })
})
