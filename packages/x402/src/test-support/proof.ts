// Test-only: the DecodedProof the engine hands a facilitator for a proof header's value, shaped as readProof
// shapes it (header name, the value as sent, its payload). No schema check, so a test can also hand a
// facilitator a payload the codec would have refused.
import { decodeBase64Json } from '../codec/base64.js'
import { PAYMENT_SIGNATURE, X_PAYMENT } from '../codec/headers.js'
import type { DecodedProof, PaymentPayload, PaymentPayloadV1, X402Version } from '../codec/types.js'

export function proofOf(token: string, x402Version: X402Version = 2): DecodedProof {
  const payload = decodeBase64Json(token)
  return x402Version === 2
    ? { x402Version, header: PAYMENT_SIGNATURE, raw: token, payload: payload as PaymentPayload }
    : { x402Version, header: X_PAYMENT, raw: token, payload: payload as PaymentPayloadV1 }
}
