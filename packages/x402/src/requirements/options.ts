// The payment option factories, each in its scheme's folder (schemes/): exact() and upto() for EVM tokens, plan()
// for Nevermined plans. Re-exported here, where they always were.
export { exact } from '../schemes/evm-exact/options.js'
export type { ExactOptions } from '../schemes/evm-exact/options.js'
export type { ExactAsset } from '../schemes/evm-exact/asset-options.js'
export { upto } from '../schemes/evm-upto/options.js'
export type { UptoOptions } from '../schemes/evm-upto/options.js'
export { plan } from '../schemes/nvm-plan/options.js'
export type { PlanOptions, PlanScheme } from '../schemes/nvm-plan/options.js'
