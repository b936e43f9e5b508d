// @tollgate/x402/extensions: the x402 extensions a route can speak (docs/extensions.md). Apart from the main entry
// so that an app that uses none ships none of them.
export type * from './contract.js'
export { extensionSteps } from './steps.js'
export { paymentIdentifier, isPaymentId, newPaymentId, PAYMENT_IDENTIFIER, PAYMENT_ID_SCHEMA } from './payment-identifier/index.js'
export type { PaymentIdentifierOptions } from './payment-identifier/index.js'
export * from './bazaar/index.js'
// sign-in-with-x: a payer who paid comes back by signing in with its wallet (SIWE), within the seller's window.
export { signInWithX, recordSignInAccess, type SignInWithXOptions, type MessageVerifier } from './sign-in-with-x/server.js'
export { SIGN_IN_WITH_X, SIGN_IN_WITH_X_HEADER, siweMessage, type SignInChallenge, type SignInProof, type SignInInfo, type SignInChain } from './sign-in-with-x/message.js'
// offer-receipt: signed offers in the 402 and a signed receipt per settlement (EIP-712 or JWS).
export { offerReceipt, type OfferReceiptOptions, type OfferReceiptSigner, type TypedDataAccount } from './offer-receipt/server.js'
// The buyer's check of signed offers and receipts, for wrapFetch's extensions (it needs viem for EIP-712).
export { verifyOfferReceipt, type VerifyOfferReceiptOptions } from '../client/offer-receipt-check.js'
export { OFFER_RECEIPT, type OfferPayload, type ReceiptPayload, type SignedOffer, type SignedReceipt } from './offer-receipt/wire.js'
// Gasless Permit2: the facilitator submits the payer's EIP-2612 permit or signed approval with the transfer.
export { eip2612GasSponsoring, erc20ApprovalGasSponsoring, EIP2612_GAS_SPONSORING, ERC20_APPROVAL_GAS_SPONSORING, type Eip2612PermitInfo, type Erc20ApprovalInfo } from './gas-sponsoring/index.js'
