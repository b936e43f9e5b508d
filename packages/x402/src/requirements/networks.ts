// The one network vocabulary: v2 speaks CAIP-2 (`eip155:84532`, `solana:5eykt...`), v1 speaks names
// (`base-sepolia`, `solana`). Every table of names and chain ids in the SDK reads this one; it knows no scheme.
import { TollgateError } from '../errors.js'

/** A network the SDK knows by name. */
export interface KnownNetwork {
  /** CAIP-2 id: `eip155:8453`, `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`. */
  readonly caip2: string
  /** Its name (`base`), accepted wherever a network is given, case-insensitive. */
  readonly name: string
  /**
   * Whether the name is written in v1 bodies. Only the names the x402 v1 spec lists are: a v1 client may not
   * know the others, so those are accepted as input aliases and their offers are v2-only.
   */
  readonly v1: boolean
}

export const KNOWN_NETWORKS: readonly KnownNetwork[] = Object.freeze([
  { caip2: 'eip155:8453', name: 'base', v1: true },
  { caip2: 'eip155:84532', name: 'base-sepolia', v1: true },
  { caip2: 'eip155:43114', name: 'avalanche', v1: true },
  { caip2: 'eip155:43113', name: 'avalanche-fuji', v1: true },
  { caip2: 'eip155:137', name: 'polygon', v1: true },
  { caip2: 'eip155:80002', name: 'polygon-amoy', v1: true },
  // Solana's genesis-hash ids and v1 names, as the x402 specs write them.
  { caip2: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp', name: 'solana', v1: true },
  { caip2: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1', name: 'solana-devnet', v1: true },
  { caip2: 'eip155:1', name: 'ethereum', v1: false },
  { caip2: 'eip155:11155111', name: 'sepolia', v1: false },
  { caip2: 'eip155:10', name: 'optimism', v1: false },
  { caip2: 'eip155:42161', name: 'arbitrum', v1: false },
])

const BY_NAME = new Map(KNOWN_NETWORKS.map((network) => [network.name, network]))
const BY_CAIP2 = new Map(KNOWN_NETWORKS.map((network) => [network.caip2, network]))

// CAIP-2: namespace (3-8 of [-a-z0-9]) ':' reference (1-32 of [-_a-zA-Z0-9]).
const CAIP2 = /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/
const EIP155 = /^eip155:([1-9]\d*)$/

/** Whether `value` is a CAIP-2 chain id (`eip155:8453`, `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`). */
export function isCaip2(value: string): boolean {
  return typeof value === 'string' && CAIP2.test(value)
}

/** `eip155:84532` -> 84532; anything else (another namespace, a name) -> undefined. */
export function eip155ChainId(caip2: string): number | undefined {
  const match = typeof caip2 === 'string' ? EIP155.exec(caip2) : null
  if (!match) return undefined
  const chainId = Number(match[1])
  return Number.isSafeInteger(chainId) ? chainId : undefined
}

/** 84532 -> `eip155:84532`. */
export function eip155Network(chainId: number): string {
  return `eip155:${chainId}`
}

/** The EVM chain id of a network given as `eip155:<id>` or a known name; undefined otherwise. */
export function chainIdOf(network: string): number | undefined {
  if (typeof network !== 'string') return undefined
  return eip155ChainId(network) ?? eip155ChainId(BY_NAME.get(network.trim().toLowerCase())?.caip2 ?? '')
}

/**
 * A network as CAIP-2: `eip155:<id>` for any chain id and the CAIP-2 ids of the table are kept as they are; a
 * known name (`base-sepolia`, case-insensitive) is translated. Anything else throws `unknown_network`.
 */
export function toCaip2(network: string, path = 'network'): string {
  if (typeof network === 'string') {
    if (eip155ChainId(network) !== undefined || BY_CAIP2.has(network)) return network
    const known = BY_NAME.get(network.trim().toLowerCase())
    if (known) return known.caip2
  }
  throw new TollgateError(
    'unknown_network',
    `Unknown network ${JSON.stringify(network)} at ${path}: expected "eip155:<chain id>" or one of ${KNOWN_NETWORKS.map((n) => n.name).join(', ')}.`,
    { path, expected: 'eip155:<chain id> or a known network name' },
  )
}

/** The v1 name of a CAIP-2 network (`eip155:84532` -> `base-sepolia`), or undefined when v1 has none. A v1 name is kept. */
export function toV1Network(caip2: string): string | undefined {
  if (typeof caip2 !== 'string') return undefined
  if (BY_NAME.get(caip2)?.v1) return caip2
  const known = BY_CAIP2.get(caip2)
  return known?.v1 ? known.name : undefined
}

/** The CAIP-2 id of a v1 network name (`base` -> `eip155:8453`), or undefined when `name` is not one. */
export function fromV1Network(name: string): string | undefined {
  const known = BY_NAME.get(name)
  return known?.v1 ? known.caip2 : undefined
}
