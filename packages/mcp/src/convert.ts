// The engine's Responses as tool results: a 402 becomes the spec's payment-required result, a failure that the
// buyer can pay past (facilitator or store down) becomes one too with the reason, anything else a tool error.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { decodePaymentRequired, decodePaymentResponse, PAYMENT_REQUIRED, PAYMENT_RESPONSE, type Gate, type SettleResponse } from '@tollgate/x402'
import { isObject, paymentRequiredResult, toolError } from './wire.js'

/** The paywall's answer to the same call without a payment: what to pay right now. */
export type UnpaidProbe = () => Promise<Gate>

/** Statuses after which nothing was charged and paying again can succeed. */
const RETRYABLE = new Set([502, 503, 504])

export async function fromEngineResponse(response: Response, probe: UnpaidProbe, reason?: string): Promise<CallToolResult> {
  const receipt = receiptOf(response)
  if (response.status === 402) {
    const header = response.headers.get(PAYMENT_REQUIRED)
    await response.body?.cancel().catch(() => {})
    const decoded = header ? decodePaymentRequired(header) : undefined
    if (decoded?.ok) return paymentRequiredResult(reason ? { ...decoded.value, error: reason } : decoded.value, receipt)
    return toolError('Payment required, but the paywall gave no readable requirements.')
  }
  const body = await readJson(response)
  if (response.status >= 200 && response.status < 300 && isObject(body) && Array.isArray(body.content)) {
    return body as CallToolResult // an idempotent replay of a paid result: delivered again, not charged again
  }
  const code = isObject(body) && typeof body.error === 'string' ? body.error : `status_${response.status}`
  const message = isObject(body) && typeof body.message === 'string' ? body.message : 'The paid call failed; nothing was charged.'
  if (RETRYABLE.has(response.status)) {
    const unpaid = await probe()
    if (unpaid.kind === 'respond' && unpaid.response.status === 402) {
      const again = await fromEngineResponse(unpaid.response, probe, code)
      if (receipt) again._meta = { ...again._meta, 'x402/payment-response': receipt }
      again.content.push({ type: 'text', text: message })
      return again
    }
    if (unpaid.kind === 'paid') unpaid.session.abort()
  }
  return toolError(`${message} (${code})`)
}

function receiptOf(response: Response): SettleResponse | undefined {
  const value = response.headers.get(PAYMENT_RESPONSE)
  if (!value) return undefined
  const decoded = decodePaymentResponse(value)
  return decoded.ok ? decoded.value : undefined
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await response.text())
  } catch {
    return undefined
  }
}
