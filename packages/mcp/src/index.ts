// @tollgate/mcp: paid MCP tools on the official MCP SDK. The seller side turns a tools/call into a Request for
// the core's paywall and back; the buyer side hands a payment-required result to the core's paying fetch.
export { paidTool, paid } from './seller.js'
export type { PaidToolOptions, PaidToolCallback, PaidToolConfig, PaidToolExtra } from './seller.js'
export { withPayments, getToolPayment } from './buyer.js'
export type { PayingClientOptions, ToolPayment } from './buyer.js'
export { PAYMENT_META_KEY, PAYMENT_RESPONSE_META_KEY, PAYMENT_REQUIRED_CODE, PRICE_META_KEY, paymentRequiredResult, readPaymentRequired, readReceipt } from './wire.js'
export type { ListedOffer } from './price.js'
export { exact, plan, TollgateError, isTollgateError, type PaymentContext, type PaymentInfo } from '@tollgate/x402'
