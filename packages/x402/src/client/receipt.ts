// What the paying fetch paid for a response, kept beside the Response (a WeakMap: nothing is added to it).
import type { SettleResponse } from '../codec/types.js'
import { readReceiptHeader } from './offers.js'
import type { PaymentRecord } from './types.js'

const payments = new WeakMap<Response, PaymentRecord>()

export function recordPayment(response: Response, record: PaymentRecord): void {
  payments.set(response, record)
}

/** What was paid for this response (offer, payer, receipt); undefined when the paying fetch paid nothing for it. */
export function getPayment(response: Response): PaymentRecord | undefined {
  return payments.get(response)
}

/**
 * The settlement receipt of a response: the decoded PAYMENT-RESPONSE (v2) or X-PAYMENT-RESPONSE (v1).
 * Works on any Response; undefined when it carries none (or an unreadable one, or a browser could not read
 * the header because the server did not expose it).
 */
export function getReceipt(response: Response): SettleResponse | undefined {
  return payments.get(response)?.receipt ?? readReceiptHeader(response.headers)
}
