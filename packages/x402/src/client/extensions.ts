// What our buyer adds to a v2 payment: the 402's `extensions` echoed, as the spec asks of clients (a facilitator
// catalogs the bazaar declaration from it), and a payment id of its own where the route declares payment-identifier.
import { decodeBase64Json, encodeBase64Json } from '../codec/base64.js'
import type { PaymentPayload, PaymentRequired } from '../codec/types.js'
import { newPaymentId, PAYMENT_IDENTIFIER } from '../extensions/payment-identifier/id.js'
import type { PaymentDemand } from './types.js'

/** `proof` with the demand's extensions echoed into it; as it is when the 402 declares none or it is not v2 JSON. */
export function withExtensions(proof: string, demand: PaymentDemand): string {
  const declared = demand.x402Version === 2 ? (demand.paymentRequired as PaymentRequired).extensions : undefined
  if (!isRecord(declared)) return proof
  let payment: PaymentPayload
  try {
    payment = decodeBase64Json(proof) as PaymentPayload
  } catch {
    return proof
  }
  if (!isRecord(payment) || payment.x402Version !== 2) return proof
  // The payer's own entries win over the echo.
  const extensions: Record<string, unknown> = { ...declared, ...payment.extensions }
  const paymentId = declared[PAYMENT_IDENTIFIER]
  if (isRecord(paymentId) && isRecord(paymentId.info) && !isRecord(payment.extensions?.[PAYMENT_IDENTIFIER])) {
    extensions[PAYMENT_IDENTIFIER] = { ...paymentId, info: { ...paymentId.info, id: newPaymentId() } }
  }
  return encodeBase64Json({ ...payment, extensions })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
