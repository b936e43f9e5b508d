// EVM network names: CAIP-2 (`eip155:<chainId>`, v2) and the v1 names of the chains x402 v1 knew.

/** v1 network names (PROTOCOL.md) -> chain id. */
export const V1_NETWORK_CHAIN_IDS: Readonly<Record<string, number>> = {
  base: 8453,
  'base-sepolia': 84532,
  avalanche: 43114,
  'avalanche-fuji': 43113,
  polygon: 137,
  'polygon-amoy': 80002,
}

const CAIP2_EIP155 = /^eip155:([1-9][0-9]{0,15})$/

/** `eip155:84532` -> 84532; anything else (another namespace, a v1 name) -> undefined. */
export function parseEip155Network(network: string): number | undefined {
  const match = CAIP2_EIP155.exec(network)
  if (!match?.[1]) return undefined
  const chainId = Number(match[1])
  return Number.isSafeInteger(chainId) ? chainId : undefined
}

/** A CAIP-2 id or a v1 name -> its chain id, when known. */
export function chainIdOfNetwork(network: string): number | undefined {
  return parseEip155Network(network) ?? (Object.hasOwn(V1_NETWORK_CHAIN_IDS, network) ? V1_NETWORK_CHAIN_IDS[network] : undefined)
}

export function caip2Network(chainId: number): string {
  return `eip155:${chainId}`
}

/** The v1 name of a chain, when v1 had one (local chains have none). */
export function v1NetworkName(chainId: number): string | undefined {
  for (const [name, id] of Object.entries(V1_NETWORK_CHAIN_IDS)) if (id === chainId) return name
  return undefined
}
