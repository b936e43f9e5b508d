// @tollgate/x402/extensions: the x402 extensions a route can speak (docs/extensions.md). Apart from the main entry
// so that an app that uses none ships none of them.
export type * from './contract.js'
export { paymentIdentifier, isPaymentId, newPaymentId, PAYMENT_IDENTIFIER, PAYMENT_ID_SCHEMA } from './payment-identifier/index.js'
export type { PaymentIdentifierOptions } from './payment-identifier/index.js'
export * from './bazaar/index.js'
