// Every Response the engine makes: 402s (header + v1 JSON body, or an HTML page), error answers from the
// code table, and the headers added to a paid response.
import { HEADERS, encodePaymentRequired, encodePaymentResponse, type HeaderReader } from '../codec/headers.js'
import type { PaymentRequired, SettleResponse, X402Version } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import { toV1Body } from '../requirements/build.js'
import { renderPaywallPage } from './html.js'

export const EXPOSE_HEADERS = `${HEADERS.PAYMENT_REQUIRED}, ${HEADERS.PAYMENT_RESPONSE}, ${HEADERS.X_PAYMENT_RESPONSE}`
const UNPAID_V2 = 'Payment required'
const UNPAID_V1 = 'X-PAYMENT header is required'

/** A 402 ready to send, as strings, so a static route can keep it and answer without re-encoding. */
export interface Rendered402 {
  header: string
  /** JSON, sent as application/json. */
  body: string
}

export function render402(paymentRequired: PaymentRequired, reason?: string): Rendered402 {
  const v2 = { ...paymentRequired, error: reason ?? UNPAID_V2 }
  const v1 = toV1Body(paymentRequired, reason ?? UNPAID_V1)
  // v1 clients read the body; when no offer has a v1 form, the body is the v2 object itself.
  const body = JSON.stringify(v1.accepts.length > 0 ? v1 : v2)
  return { header: encodePaymentRequired(reorderError(v2)), body }
}

/** The PaymentRequired as the 402 header carries it: `error` (the reason, else "Payment required") after the version. */
export function withReason(paymentRequired: PaymentRequired, reason?: string): PaymentRequired {
  return reorderError({ ...paymentRequired, error: reason ?? UNPAID_V2 })
}

/** Keep `error` right after `x402Version`, as the reference implementation writes it. */
function reorderError(value: PaymentRequired): PaymentRequired {
  const { x402Version, error, ...rest } = value
  return { x402Version, error, ...rest } as PaymentRequired
}

export interface Send402Options {
  /** Answer the HTML page (browsers) instead of JSON. */
  html?: boolean
  /** HEAD: headers only. */
  head?: boolean
  /** A failed settlement's receipt, in the generation the client used. */
  receipt?: { response: SettleResponse; x402Version: X402Version }
}

export function send402(rendered: Rendered402, paymentRequired: PaymentRequired, options: Send402Options = {}): Response {
  // A plain record, not a Headers: servers with a lightweight Response (@hono/node-server) write it as it is.
  const headers: Record<string, string> = {
    'Content-Type': options.html ? 'text/html; charset=utf-8' : 'application/json',
    [HEADERS.PAYMENT_REQUIRED]: rendered.header,
    'Cache-Control': 'no-store',
    'Access-Control-Expose-Headers': EXPOSE_HEADERS,
  }
  if (options.receipt) headers[receiptHeader(options.receipt.x402Version)] = encodePaymentResponse(options.receipt.response)
  const body = options.head ? null : options.html ? renderPaywallPage(paymentRequired) : rendered.body
  return new Response(body, { status: 402, headers })
}

/** A non-402 failure (500, 502, 504, 499) as JSON, with the status from the code table. */
export function sendError(error: TollgateError, receipt?: { response: SettleResponse; x402Version: X402Version }): Response {
  const headers = new Headers({
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'Access-Control-Expose-Headers': EXPOSE_HEADERS,
  })
  if (receipt) headers.set(receiptHeader(receipt.x402Version), encodePaymentResponse(receipt.response))
  // A handler's own error message stays on the server: it may hold secrets.
  const message = error.code === 'handler_error' ? 'The handler failed; nothing was charged.' : error.message
  return new Response(JSON.stringify({ error: error.code, message }), { status: error.status, headers })
}

export function receiptHeader(version: X402Version): string {
  return version === 1 ? HEADERS.X_PAYMENT_RESPONSE : HEADERS.PAYMENT_RESPONSE
}

const NO_RECEIPT = Object.freeze({ 'Cache-Control': 'private', 'Access-Control-Expose-Headers': EXPOSE_HEADERS })
// The last receipt's headers: a reusable payment's receipts repeat, and their base64 was a tenth of the paywall's
// own CPU per paid request. Compared value by value, cheaper than any key (JSON.stringify costs as much as the base64).
let last: { receipt: SettleResponse; version: X402Version; headers: Readonly<Record<string, string>> } | undefined

/** Headers added to a paid response: the receipt, `private` caching, and CORS exposure. Frozen. */
export function paidHeaders(receipt: SettleResponse | undefined, version: X402Version): Readonly<Record<string, string>> {
  if (!receipt) return NO_RECEIPT
  if (last?.version === version && sameValues(last.receipt, receipt)) return last.headers
  const headers = Object.freeze({ ...NO_RECEIPT, [receiptHeader(version)]: encodePaymentResponse(receipt) })
  last = { receipt: { ...receipt }, version, headers }
  return headers
}

/** The same keys with the same plain values (a value that is an object never compares equal). */
function sameValues(known: object, other: object): boolean {
  let count = 0
  for (const key in other) {
    const value = (other as Record<string, unknown>)[key]
    if ((typeof value === 'object' && value !== null) || (known as Record<string, unknown>)[key] !== value) return false
    count++
  }
  for (const _ in known) count--
  return count === 0
}

/** Adds headers to a handler's Response without reading its body; copies it when its headers are immutable. */
export function withHeaders(response: Response, extra: Readonly<Record<string, string>>): Response {
  try {
    const headers = response.headers
    for (const name in extra) headers.set(name, extra[name]!)
    return response
  } catch {
    const copy = new Response(response.body, { status: response.status, statusText: response.statusText, headers: response.headers })
    for (const name in extra) copy.headers.set(name, extra[name]!)
    return copy
  }
}

export function wantsHtml(headers: HeaderReader): boolean {
  const accept = headers.get('accept')
  return accept !== null && accept.includes('text/html')
}
