// The core's structured answers as tool results: a refusal to pay past becomes the spec's payment-required result
// (with the reason, and a failed settlement's receipt), a failure the buyer can pay past (facilitator or store
// down) becomes one too with the reason, anything else a tool error. No header is read or written here.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { PaymentKept, PaymentRefusal } from '@tollgate/x402'
import { isObject, paymentRequiredResult, PAYMENT_RESPONSE_META_KEY, toolError } from './wire.js'

/** Statuses after which nothing was charged and paying again can succeed. */
const RETRYABLE = new Set([502, 503, 504])

export function refusalResult(refusal: PaymentRefusal): CallToolResult {
  const { error, paymentRequired, receipt } = refusal
  if (error.status === 402) {
    if (paymentRequired) return paymentRequiredResult(paymentRequired, receipt)
    return toolError('Payment required, but the paywall gave no readable requirements.')
  }
  if (RETRYABLE.has(error.status) && paymentRequired) {
    const again = paymentRequiredResult({ ...paymentRequired, error: error.code })
    if (receipt) again._meta = { ...again._meta, [PAYMENT_RESPONSE_META_KEY]: receipt }
    again.content.push({ type: 'text', text: refusal.message })
    return again
  }
  return toolError(`${refusal.message} (${error.code})`)
}

/** An idempotent replay of a paid result: delivered again, not charged again. */
export function keptResult(kept: PaymentKept): CallToolResult {
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder().decode(kept.body))
  } catch {
    body = undefined
  }
  if (kept.status >= 200 && kept.status < 300 && isObject(body) && Array.isArray(body.content)) return body as CallToolResult
  return toolError(`The paid call failed; nothing was charged. (status_${kept.status})`)
}
