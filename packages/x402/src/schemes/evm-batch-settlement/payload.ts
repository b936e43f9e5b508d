// Reads a batch-settlement payload (deposit, voucher, refund) as the spec writes it, strictly: a payload this
// returns has every field the seller relies on, in its type. What it cannot read is refused with the spec's
// `invalid_batch_settlement_evm_<type>_payload` reason before any lock or facilitator call.
import type { DecodedProof } from '../../codec/types.js'
import type { BatchPayloadWire, ChannelConfigWire, VoucherWire } from '../../evm/batch-settlement/wire.js'
import { isRecord } from '../../codec/record.js'

export const REASON_PREFIX = 'invalid_batch_settlement_evm_'

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const BYTES32 = /^0x[0-9a-fA-F]{64}$/
const HEX = /^0x(?:[0-9a-fA-F]{2})*$/
const UINT = /^(?:0|[1-9][0-9]*)$/

/** The payload, or the spec's reason it cannot be read. */
export type ReadPayload = { ok: true; payload: BatchPayloadWire } | { ok: false; reason: string }

/** The proof's batch-settlement payload (x402 v2 only: v1 has no such scheme). */
export function readBatchPayload(proof: DecodedProof): ReadPayload {
  const payload = proof.x402Version === 2 ? (proof.payload.payload as unknown) : undefined
  const type = isRecord(payload) ? payload.type : undefined
  if (type !== 'deposit' && type !== 'voucher' && type !== 'refund') return { ok: false, reason: REASON_PREFIX + 'payload_type' }
  const bad = { ok: false as const, reason: `${REASON_PREFIX}${type}_payload` }
  const record = payload as Record<string, unknown>
  if (!isChannelConfig(record.channelConfig) || !isVoucher(record.voucher)) return bad
  if (type === 'deposit' && !isDeposit(record.deposit)) return bad
  if (type === 'refund' && record.amount !== undefined && (typeof record.amount !== 'string' || !UINT.test(record.amount))) {
    return { ok: false, reason: REASON_PREFIX + 'refund_amount_invalid' }
  }
  return { ok: true, payload: payload as unknown as BatchPayloadWire }
}

/** The payer the payload names (lenient: for events before verification). */
export function batchPayer(proof: DecodedProof): string | undefined {
  const payload = proof.x402Version === 2 ? (proof.payload.payload as { channelConfig?: { payer?: unknown } } | undefined) : undefined
  const payer = payload?.channelConfig?.payer
  return typeof payer === 'string' ? payer : undefined
}

function isChannelConfig(value: unknown): value is ChannelConfigWire {
  if (!isRecord(value)) return false
  const { payer, payerAuthorizer, receiver, receiverAuthorizer, token, withdrawDelay, salt } = value
  return (
    [payer, payerAuthorizer, receiver, receiverAuthorizer, token].every((field) => typeof field === 'string' && ADDRESS.test(field)) &&
    typeof withdrawDelay === 'number' &&
    Number.isSafeInteger(withdrawDelay) &&
    typeof salt === 'string' &&
    BYTES32.test(salt)
  )
}

function isVoucher(value: unknown): value is VoucherWire {
  if (!isRecord(value)) return false
  const { channelId, maxClaimableAmount, signature } = value
  return typeof channelId === 'string' && BYTES32.test(channelId) && isUint(maxClaimableAmount) && typeof signature === 'string' && HEX.test(signature)
}

function isDeposit(value: unknown): boolean {
  if (!isRecord(value) || !isUint(value.amount) || value.amount === '0' || !isRecord(value.authorization)) return false
  const { erc3009Authorization, permit2Authorization } = value.authorization
  return isRecord(erc3009Authorization) !== isRecord(permit2Authorization)
}

function isUint(value: unknown): value is string {
  return typeof value === 'string' && UINT.test(value) && value.length <= 39
}

