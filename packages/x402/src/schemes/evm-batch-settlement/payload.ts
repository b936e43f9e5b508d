// Reads a batch-settlement payload (deposit, voucher, refund) as the spec writes it, strictly: a payload this
// returns has every field the seller relies on, in its type. What it cannot read is refused with the spec's
// `invalid_batch_settlement_evm_<type>_payload` reason before any lock or facilitator call. The reading itself is
// the facilitator's (evm/batch-settlement/payload-parse.ts): one reader, one set of limits for the wire.
import type { DecodedProof } from '../../codec/types.js'
import { parseBatchPayload } from '../../evm/batch-settlement/payload-parse.js'
import { BATCH_REASONS } from '../../evm/batch-settlement/reasons.js'
import type { BatchPayloadWire } from '../../evm/batch-settlement/wire.js'

export const REASON_PREFIX = 'invalid_batch_settlement_evm_'

/** The payload, or the spec's reason it cannot be read. */
export type ReadPayload = { ok: true; payload: BatchPayloadWire } | { ok: false; reason: string }

/** The proof's batch-settlement payload (x402 v2 only: v1 has no such scheme). */
export function readBatchPayload(proof: DecodedProof): ReadPayload {
  const raw = proof.x402Version === 2 ? (proof.payload.payload as unknown) : undefined
  const parsed = parseBatchPayload(raw, 'verify')
  if ('refused' in parsed) {
    // A refund's amount that is not one has its own reason at the seller, as the buyer's refund flow tells it apart.
    const badAmount = parsed.refused === BATCH_REASONS.refundPayload && parsed.path === 'amount'
    return { ok: false, reason: badAmount ? BATCH_REASONS.refundAmountInvalid : parsed.refused }
  }
  // The payload as the buyer sent it (fields the reader does not know kept), now known to have every field it types.
  return { ok: true, payload: raw as BatchPayloadWire }
}

/** The payer the payload names (lenient: for events before verification). */
export function batchPayer(proof: DecodedProof): string | undefined {
  const payload = proof.x402Version === 2 ? (proof.payload.payload as { channelConfig?: { payer?: unknown } } | undefined) : undefined
  const payer = payload?.channelConfig?.payer
  return typeof payer === 'string' ? payer : undefined
}
