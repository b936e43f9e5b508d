// The schemes this process knows, by wire name and network. Each scheme module registers itself when it is loaded
// (`export const evmExact = registerScheme({...})` in its folder), so an app bundles only the schemes it imports.
// Buyers' payers are matched by the same rule (`serves`): a scheme name and a network pattern.
import type { PaymentRequirements } from '../codec/types.js'
import type { Scheme } from './contract.js'

const known: Scheme[] = []

/** Adds a scheme (once) and returns it. */
export function registerScheme<S extends Scheme>(scheme: S): S {
  if (!known.includes(scheme)) known.push(scheme)
  return scheme
}

/** The registered scheme that answers this wire scheme on this network. */
export function schemeFor(scheme: string, network: string): Scheme | undefined {
  for (const candidate of known) if (serves(candidate, scheme, network)) return candidate
  return undefined
}

/** Whether `kind` (a scheme, or a payer's declaration) covers this wire scheme and network. */
export function serves(kind: { readonly schemes: readonly string[]; readonly networks: readonly string[] }, scheme: string, network: string): boolean {
  return kind.schemes.includes(scheme) && kind.networks.some((pattern) => networkMatches(pattern, network))
}

/** `*` matches any network, `eip155:*` any network of that namespace, anything else itself only. */
export function networkMatches(pattern: string, network: string): boolean {
  if (pattern === '*') return true
  if (pattern.endsWith(':*')) return network.startsWith(pattern.slice(0, -1))
  return pattern === network
}

/** A short name for an offer in messages, in its scheme's words when it has some. */
export function describeRequirements(requirements: PaymentRequirements): string {
  const { scheme, network, payTo } = requirements
  const own = schemeFor(scheme, network)?.describe?.(requirements)
  if (own !== undefined) return own
  return payTo === undefined ? `${scheme} on ${network}` : `${scheme} on ${network} to ${payTo}`
}
