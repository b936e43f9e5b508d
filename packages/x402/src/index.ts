// @tollgate/x402: the pure core. Web platform APIs and zod only: no Node built-ins, no viem.
export * from './errors.js'
export * from './codec/index.js'
export * from './requirements/index.js'
export { createPaywall } from './engine/paywall.js'
export type * from './engine/types.js'
export { memoryStore, DEFAULT_MAX_ENTRIES } from './store/memory.js'
export type * from './store/types.js'
export type * from './facilitator/types.js'
