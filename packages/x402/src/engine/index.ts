export { createPaywall } from './paywall.js'
export type * from './types.js'
