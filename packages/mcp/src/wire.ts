// The x402 MCP transport on the wire (x402 specs/transports-v2/mcp.md, tool-result binding): the `_meta` keys,
// the payment-required tool result, and reading both back. Facts from the spec; the code is ours.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { PaymentRequired, SettleResponse } from '@tollgate/x402'

/** `params._meta` key of a tools/call: the `PaymentPayload` (client -> server). */
export const PAYMENT_META_KEY = 'x402/payment'
/** `result._meta` key of a tool result: the `SettlementResponse` (server -> client). */
export const PAYMENT_RESPONSE_META_KEY = 'x402/payment-response'
/** The error code in the older spec's `{"x402/error": {code, message, data}}` text wrapper, read for compatibility. */
export const PAYMENT_REQUIRED_CODE = 402
/** Tollgate's own key in a paid tool's definition (tools/list): what it accepts, for display. Not part of the spec. */
export const PRICE_META_KEY = 'tollgate/accepts'

/**
 * A payment-required tool result as the spec asks: `isError: true`, the PaymentRequired in `structuredContent`
 * and the same object JSON-encoded in `content[0].text`; a failed settlement's receipt in `_meta`.
 */
export function paymentRequiredResult(paymentRequired: PaymentRequired | Record<string, unknown>, receipt?: SettleResponse): CallToolResult {
  const result: CallToolResult = {
    isError: true,
    structuredContent: paymentRequired as Record<string, unknown>,
    content: [{ type: 'text', text: JSON.stringify(paymentRequired) }],
  }
  if (receipt) result._meta = { [PAYMENT_RESPONSE_META_KEY]: receipt }
  return result
}

/** A plain tool error (no payment asked): what the SDK itself answers for a throwing tool. */
export function toolError(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] }
}

/**
 * The PaymentRequired of a tool result, when it is a payment-required one: `structuredContent` first, then
 * `structuredContent["x402/error"].data`, then `content[0].text` parsed (the object itself, or the wrapper).
 * Only `isError: true` results count. The object is returned as sent (v1 or v2 shape); the buyer validates it with
 * the core's 402 reader.
 */
export function readPaymentRequired(result: unknown): Record<string, unknown> | undefined {
  if (!isObject(result) || result.isError !== true) return undefined
  const structured = result.structuredContent
  const fromStructured = paymentRequiredIn(structured) ?? (isObject(structured) ? paymentRequiredIn(wrapped(structured)) : undefined)
  if (fromStructured) return fromStructured
  const first = Array.isArray(result.content) ? result.content[0] : undefined
  if (!isObject(first) || first.type !== 'text' || typeof first.text !== 'string' || first.text.length > MAX_TEXT_CHARS) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(first.text)
  } catch {
    return undefined
  }
  return paymentRequiredIn(parsed) ?? (isObject(parsed) ? paymentRequiredIn(wrapped(parsed)) : undefined)
}

/** The settlement receipt in a tool result's `_meta`, when it has one. */
export function readReceipt(result: unknown): SettleResponse | undefined {
  if (!isObject(result) || !isObject(result._meta)) return undefined
  const receipt = result._meta[PAYMENT_RESPONSE_META_KEY]
  return isObject(receipt) && typeof receipt.success === 'boolean' ? (receipt as unknown as SettleResponse) : undefined
}

const MAX_TEXT_CHARS = 256 * 1024

function wrapped(value: Record<string, unknown>): unknown {
  const error = value['x402/error']
  return isObject(error) && error.code === PAYMENT_REQUIRED_CODE ? error.data : undefined
}

function paymentRequiredIn(value: unknown): Record<string, unknown> | undefined {
  return isObject(value) && (value.x402Version === 1 || value.x402Version === 2) && Array.isArray(value.accepts) ? value : undefined
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
