export { createPaywall } from './paywall.js'
export { checkPayment } from './structured.js'
export type * from './types.js'
export type * from './structured-types.js'
