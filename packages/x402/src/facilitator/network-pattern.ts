// Network patterns for routing offers to facilitators: a CAIP-2 id (`eip155:84532`), every network of a
// namespace (`eip155:*`, `solana:*`), or any network (`*`).
import { TollgateError } from '../errors.js'
import { KNOWN_NETWORKS, isCaip2, toCaip2 } from '../requirements/networks.js'

const NAMESPACE_WILDCARD = /^[-a-z0-9]{3,8}:\*$/

/**
 * The pattern in canonical form: `*`, `<namespace>:*`, or a CAIP-2 id (a known name such as `base` is translated).
 * Anything else throws `invalid_options`.
 */
export function parseNetworkPattern(pattern: unknown, path: string): string {
  if (pattern === '*' || (typeof pattern === 'string' && (NAMESPACE_WILDCARD.test(pattern) || isCaip2(pattern)))) return pattern
  if (typeof pattern === 'string' && KNOWN_NETWORKS.some((network) => network.name === pattern.trim().toLowerCase())) return toCaip2(pattern, path)
  throw new TollgateError('invalid_options', `${path}: ${JSON.stringify(pattern)} is not a network pattern.`, {
    path,
    expected: "a CAIP-2 id ('eip155:84532'), a namespace wildcard ('eip155:*', 'solana:*'), '*' or a known name ('base')",
  })
}

/**
 * Whether `pattern` covers the CAIP-2 `network`: a trailing `*` matches any rest (`*` every network, `eip155:*` a
 * namespace), else the network itself. The one rule for routes and for the kinds a facilitator lists.
 */
export function patternCovers(pattern: string, network: string): boolean {
  if (pattern.endsWith('*')) return network.startsWith(pattern.slice(0, -1))
  return pattern === network
}

/** How narrow a pattern is, so that the narrowest entry wins: a network 2, a namespace 1, anything 0. */
export function patternRank(pattern: string): number {
  return pattern === '*' ? 0 : pattern.endsWith('*') ? 1 : 2
}

/** The narrower of two overlapping patterns, or undefined when they share no network. */
export function narrowest(a: string, b: string): string | undefined {
  const [wide, narrow] = patternRank(a) <= patternRank(b) ? [a, b] : [b, a]
  if (patternRank(narrow) === patternRank(wide)) return wide === narrow || wide === '*' ? narrow : undefined
  return patternCovers(wide, narrow.endsWith(':*') ? narrow.slice(0, -1) : narrow) ? narrow : undefined
}

/** `any network` for `*`, else the pattern itself. */
export function describePattern(pattern: string): string {
  return pattern === '*' ? 'any network' : pattern
}
