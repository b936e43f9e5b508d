// Network names: v2 speaks CAIP-2 (`eip155:84532`), v1 speaks names (`base-sepolia`).
import { TollgateError } from '../errors.js'

interface KnownNetwork {
  readonly name: string
  readonly chainId: number
  /**
   * Whether the name is written in v1 bodies. Only the names the x402 v1 spec lists are: a v1 client may not
   * know the others, so those are accepted as input aliases and their offers are v2-only.
   */
  readonly v1: boolean
}

const KNOWN_NETWORKS: readonly KnownNetwork[] = [
  { name: 'base', chainId: 8453, v1: true },
  { name: 'base-sepolia', chainId: 84532, v1: true },
  { name: 'avalanche', chainId: 43114, v1: true },
  { name: 'avalanche-fuji', chainId: 43113, v1: true },
  { name: 'polygon', chainId: 137, v1: true },
  { name: 'polygon-amoy', chainId: 80002, v1: true },
  { name: 'ethereum', chainId: 1, v1: false },
  { name: 'sepolia', chainId: 11155111, v1: false },
  { name: 'optimism', chainId: 10, v1: false },
  { name: 'arbitrum', chainId: 42161, v1: false },
]

const BY_NAME = new Map(KNOWN_NETWORKS.map((network) => [network.name, network]))
const V1_BY_CHAIN_ID = new Map(KNOWN_NETWORKS.filter((network) => network.v1).map((network) => [network.chainId, network]))

// CAIP-2: namespace (3-8 of [-a-z0-9]) ':' reference (1-32 of [-_a-zA-Z0-9]).
const CAIP2 = /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/
const EIP155 = /^eip155:([1-9]\d*)$/

/** Whether `value` is a CAIP-2 chain id (`eip155:8453`, `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`). */
export function isCaip2(value: string): boolean {
  return typeof value === 'string' && CAIP2.test(value)
}

/** The EVM chain id of a network given as `eip155:<id>` or a known name; undefined otherwise. */
export function chainIdOf(network: string): number | undefined {
  if (typeof network !== 'string') return undefined
  const eip155 = EIP155.exec(network)
  if (eip155) {
    const chainId = Number(eip155[1])
    return Number.isSafeInteger(chainId) ? chainId : undefined
  }
  return BY_NAME.get(network.trim().toLowerCase())?.chainId
}

/**
 * A network as CAIP-2: `eip155:<id>` for any chain id is kept as is; a known name (`base-sepolia`,
 * case-insensitive) is translated. Anything else throws `unknown_network`.
 */
export function toCaip2(network: string, path = 'network'): string {
  if (typeof network === 'string' && EIP155.test(network)) {
    if (chainIdOf(network) !== undefined) return network
  } else if (typeof network === 'string') {
    const known = BY_NAME.get(network.trim().toLowerCase())
    if (known) return `eip155:${known.chainId}`
  }
  throw new TollgateError(
    'unknown_network',
    `Unknown network ${JSON.stringify(network)} at ${path}: expected "eip155:<chain id>" or one of ${KNOWN_NETWORKS.map((n) => n.name).join(', ')}.`,
    { path, expected: 'eip155:<chain id> or a known network name' },
  )
}

/** The v1 name of a CAIP-2 network (`eip155:84532` -> `base-sepolia`), or undefined when v1 has none. */
export function toV1Network(caip2: string): string | undefined {
  if (typeof caip2 !== 'string') return undefined
  if (BY_NAME.get(caip2)?.v1) return caip2
  const eip155 = EIP155.exec(caip2)
  return eip155 ? V1_BY_CHAIN_ID.get(Number(eip155[1]))?.name : undefined
}
