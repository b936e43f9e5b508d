// `_meta["x402/payment"]` as the proof header the engine reads. Whatever arrives is handed over, so that the
// engine's own decoders refuse bad input with their reasons (size first, then base64, JSON, version, schema).
import { encodeBase64Json, PAYMENT_SIGNATURE, X_PAYMENT } from '@tollgate/x402'
import { isObject } from './wire.js'

/** Printable ASCII, the only bytes a header value may carry here. */
const HEADER_SAFE = /^[\x21-\x7e]+$/

export function paymentHeaders(raw: unknown): Headers {
  const name = isObject(raw) && raw.x402Version === 1 ? X_PAYMENT : PAYMENT_SIGNATURE
  // A string is taken as the header's own form (base64 JSON); any other value is the PaymentPayload object.
  const value = typeof raw === 'string' && HEADER_SAFE.test(raw) ? raw : encodeBase64Json(raw ?? null)
  return new Headers({ [name]: value })
}
