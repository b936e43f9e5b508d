// @tollgate/x402: the pure core. Web platform APIs and valibot only: no Node built-ins, no viem.
export * from './errors.js'
export * from './codec/index.js'
export * from './requirements/index.js'
// The scheme contract (schemes/contract.ts): the shape of exact(), upto() and plan()'s `option.scheme`.
export type * from './schemes/contract.js'
export { createPaywall } from './engine/paywall.js'
export { checkPayment } from './engine/structured.js'
export type * from './engine/types.js'
export type * from './engine/structured-types.js'
export { toPaywallOptions, ANY_ROUTE, type AdapterOptions, type RoutePaywallOptions } from './engine/single-route.js'
// For adapters: which of a handler's headers go with its body when the paywall's answer replaces it.
export { isBodyHeader } from './engine/body-headers.js'
// For adapters: a middleware's close(), its paywall's.
export { withClose } from './engine/close.js'
export { memoryStore, DEFAULT_MAX_ENTRIES } from './store/memory.js'
export { memoryOutbox } from './store/memory-outbox.js'
export type { MemoryOutbox } from './store/memory-outbox.js'
export type * from './store/types.js'
export type * from './facilitator/types.js'
export { combineFacilitators } from './facilitator/combine.js'
export type { CombinedFacilitator, FacilitatorRoute, FacilitatorsByScheme, OfferKind } from './facilitator/combine.js'
export { httpFacilitator } from './facilitator/http.js'
export { SETTLEMENT_PENDING, isSettlementPending } from './facilitator/pending.js'
export type { HttpFacilitator, HttpFacilitatorOptions, FacilitatorEndpoint, FacilitatorHeaders, FacilitatorFetch } from './facilitator/http.js'
export { checkSupport } from './facilitator/check-support.js'
export type { CheckSupportOptions, SupportCheck, SupportTarget } from './facilitator/check-support.js'
// The x402 extension contract (docs/extensions.md); the extensions themselves are @tollgate/x402/extensions.
export type * from './extensions/contract.js'
