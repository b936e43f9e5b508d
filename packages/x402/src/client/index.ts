// @tollgate/x402/client: a fetch that answers 402 by paying, within a spend cap. Web platform APIs only:
// no viem here (the exact EVM payer is `exactPayer` from `@tollgate/x402/evm`) and no Node built-ins.
export { wrapFetch } from './wrap-fetch.js'
export type { BeforePayInfo, FetchLike, RequestSender, WrapFetchOptions } from './wrap-fetch.js'
export { nvmPayer } from './nvm-payer.js'
export type { NvmPayerOptions, NvmTokenRequest } from './nvm-payer.js'
export { getPayment, getReceipt } from './receipt.js'
export { readPaymentDemand, readReceiptHeader } from './offers.js'
export { resolveSpendCap, toCap, DEFAULT_MAX_AMOUNT } from './spend-cap.js'
export type { CapAmount, SpendCap, ResolvedSpendCap, CapVerdict } from './spend-cap.js'
export { resolvePolicy, cheapest } from './policy.js'
export type { Candidate, ChooseOffer, OfferPolicy } from './policy.js'
export type { CorrectionInput, Offer, PayInput, Payer, PaymentDemand, PaymentRecord, ProofOutcome } from './types.js'
// The extensions the paying fetch speaks (docs/extensions.md): a wallet sign-in. (verifyOfferReceipt, which needs
// viem, is on @tollgate/x402/extensions: this entry bundles no viem.)
export { walletSignIn, type SignInSigner } from './sign-in-with-x.js'
export type { ClientExtension } from './extension-types.js'
export { TollgateError, isTollgateError } from '../errors.js'
export type { ErrorCode } from '../errors.js'
