// What the seller tells the buyer about its channel: the channel snapshot in `extra.channelState`, the receipts'
// extra (chargedAmount), the corrective 402 that carries the last signed voucher, and the refusals with the spec's
// reasons. Also reads the facilitator's channel snapshot (its verify `extra`, its settle `extra.channelState`).
import type { PaymentRequired, PaymentRequirements, SettleResponse } from '../../codec/types.js'
import { TollgateError } from '../../errors.js'
import type { ChannelStateExtraWire } from '../../evm/batch-settlement/wire.js'
import type { LocalRefused } from '../contract.js'
import type { ChannelRecord } from './channel-record.js'
import { REASON_PREFIX } from './payload.js'

/** The chain's side of a channel, as a facilitator reports it. */
export interface Snapshot {
  balance: string
  totalClaimed: string
  withdrawRequestedAt: number
  refundNonce: string
}

const UINT = /^(?:0|[1-9][0-9]*)$/

/** The snapshot in a facilitator's extra (verify: the extra itself; settle: `extra.channelState`), if whole. */
export function snapshotOf(extra: unknown): Snapshot | undefined {
  if (typeof extra !== 'object' || extra === null) return undefined
  const { balance, totalClaimed, withdrawRequestedAt, refundNonce } = extra as Record<string, unknown>
  const text = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : typeof value === 'string' && UINT.test(value) ? value : undefined)
  const [b, t, w, r] = [text(balance), text(totalClaimed), text(withdrawRequestedAt), text(refundNonce ?? '0')]
  if (b === undefined || t === undefined) return undefined
  return { balance: b, totalClaimed: t, withdrawRequestedAt: w === undefined ? 0 : Number(w), refundNonce: r ?? '0' }
}

export function channelStateOf(record: ChannelRecord): ChannelStateExtraWire {
  return {
    channelId: record.channelId,
    balance: record.balance,
    totalClaimed: record.totalClaimed,
    withdrawRequestedAt: record.withdrawRequestedAt,
    refundNonce: record.refundNonce,
    chargedCumulativeAmount: record.chargedCumulativeAmount,
  }
}

/** A paid request's receipt: nothing moved on chain for a voucher (`transaction` and `amount` empty). */
export function chargeReceipt(record: ChannelRecord, charged: string, network: string, onchain?: SettleResponse): SettleResponse {
  const extra = { ...(onchain?.extra as object | undefined), chargedAmount: charged, channelState: channelStateOf(record) }
  if (onchain) return { ...onchain, payer: onchain.payer ?? record.channelConfig.payer, extra }
  return { success: true, transaction: '', network, payer: record.channelConfig.payer, amount: '', extra }
}

/** The spec's reason of that name: `channel_busy` is `invalid_batch_settlement_evm_channel_busy`. */
export const specReason = (name: string) => REASON_PREFIX + name

/** A 402 with this reason on the wire (the spec's, or a facilitator's own). */
export function refusal(reason: string, message?: string): LocalRefused {
  return { ok: false, error: new TollgateError('payment_invalid', message ?? `The batch-settlement payment was refused: ${reason}.`, { reason }) }
}

/**
 * The corrective 402: the buyer's voucher does not follow the seller's count. The offer it paid carries the
 * channel as the seller knows it and, when the seller holds one that covers its count, the last voucher the buyer
 * signed, which the buyer checks before adopting the count. A count raised to what the chain claimed (a record
 * that was behind it) has no such voucher: the buyer then counts from the chain's totalClaimed, as the spec's
 * recovery says, and the reason is `cumulative_below_claimed` when the voucher is below that claim.
 */
export function corrective(paymentRequired: PaymentRequired, offer: PaymentRequirements, record: ChannelRecord, belowClaimed = false): LocalRefused {
  const extra: Record<string, unknown> = { ...offer.extra, channelState: channelStateOf(record) }
  if (record.signature !== '0x' && BigInt(record.signedMaxClaimable) >= BigInt(record.chargedCumulativeAmount)) {
    extra.voucherState = { signedMaxClaimable: record.signedMaxClaimable, signature: record.signature }
  }
  const accepts = paymentRequired.accepts.map((accept) => (accept === offer ? { ...accept, extra } : accept))
  const refused = belowClaimed
    ? refusal(specReason('cumulative_below_claimed'), 'The voucher is below what the chain has claimed on this channel; pay again from its totalClaimed.')
    : refusal(specReason('cumulative_amount_mismatch'), "The voucher's cumulative amount does not follow the seller's count of this channel; pay again from its channelState.")
  return { ...refused, paymentRequired: { ...paymentRequired, accepts } }
}
