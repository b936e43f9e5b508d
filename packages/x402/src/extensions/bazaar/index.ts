// bazaar (discovery): the seller's declaration and the facilitator's catalog.
export { bazaar, BAZAAR } from './declare.js'
export { discoveryCatalog, withDiscovery } from './catalog.js'
export type { DiscoveryCatalog, DiscoveryList, DiscoveryResource } from './catalog.js'
export type { BazaarOptions, DiscoveryInput, DiscoveryOutput, DiscoveryTool, JsonSchema } from './types.js'
