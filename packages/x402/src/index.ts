// @tollgate/x402: the pure core. Web platform APIs and zod only: no Node built-ins, no viem.
export * from './errors.js'
export type * from './codec/types.js'
export type * from './facilitator/types.js'
export type * from './store/types.js'
export type * from './requirements/types.js'
export { encodeBase64, decodeBase64, encodeBase64Json, decodeBase64Json } from './codec/base64.js'
