// v1 network names <-> CAIP-2 ids, for the networks x402 v1 knows (shared/spec/PROTOCOL.md).
// A small local table so the test kit does not depend on the requirements module.

const V1_TO_CAIP2: Readonly<Record<string, string>> = {
  base: 'eip155:8453',
  'base-sepolia': 'eip155:84532',
  avalanche: 'eip155:43114',
  'avalanche-fuji': 'eip155:43113',
  polygon: 'eip155:137',
  'polygon-amoy': 'eip155:80002',
}

const CAIP2_TO_V1: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(V1_TO_CAIP2).map(([name, id]) => [id, name]),
)

/** The v1 name of a network (`eip155:84532` -> `base-sepolia`); names without one are returned as given. */
export function toV1Network(network: string): string {
  return CAIP2_TO_V1[network] ?? network
}

/** The CAIP-2 id of a v1 network name (`base` -> `eip155:8453`); anything else is returned as given. */
export function fromV1Network(network: string): string {
  return V1_TO_CAIP2[network] ?? network
}
