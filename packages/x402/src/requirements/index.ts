// The PaymentRequired builder: payment options, prices, networks, assets and wire shapes.
export type * from './types.js'
export { parsePrice, parseAtomic, formatUnits } from './money.js'
export type { AmountCheckOptions } from './money.js'
export { toCaip2, toV1Network, fromV1Network, chainIdOf, isCaip2, eip155ChainId, eip155Network, KNOWN_NETWORKS } from './networks.js'
export type { KnownNetwork } from './networks.js'
export { defaultAsset, networksWithDefaultAsset } from './assets.js'
export type { AssetInfo } from './assets.js'
export { exact, upto, plan } from './options.js'
export type { ExactOptions, ExactAsset, UptoOptions, PlanOptions, PlanScheme } from './options.js'
export {
  resolveAmount,
  buildRequirements,
  buildPaymentRequired,
  toV1Requirements,
  toV1Body,
  matchAccepted,
  matchV1,
  describeOption,
} from './build.js'
export type { PaymentRequiredInput } from './build.js'
export { canonicalResourceUrl } from './resource.js'
export type { CanonicalUrlOptions } from './resource.js'
