// Several facilitators behind one interface, so that one server can take Nevermined credits, EVM USDC and (later)
// Solana at once: createPaywall takes a single facilitator, and this one routes each offer by scheme AND network.
import { TollgateError } from '../errors.js'
import { fromV1Network } from '../requirements/networks.js'
import { describePattern, narrowest, parseNetworkPattern, patternCovers, patternRank } from './network-pattern.js'
import type { Facilitator, PaymentKind } from './types.js'

/** One entry of `combineFacilitators`: the facilitator for one scheme on the networks a pattern covers. */
export interface FacilitatorRoute {
  /** The offer's scheme: `exact`, `upto`, `nvm:erc4337`, ... */
  scheme: string
  /**
   * The networks it handles: a CAIP-2 id (`eip155:84532`), a namespace (`eip155:*`, `solana:*`) or `*` for any.
   * A known name (`base-sepolia`) is read as its CAIP-2 id. When several entries match, the narrowest wins.
   */
  network: string
  facilitator: Facilitator
}

/** @deprecated give `FacilitatorRoute[]` (scheme and network per entry). Scheme -> its facilitator, on any network. */
export type FacilitatorsByScheme = Record<string, Facilitator>

/** A kind of offer: its scheme and its CAIP-2 network. */
export interface OfferKind {
  scheme: string
  network: string
}

/** The facilitator `combineFacilitators` returns. */
export interface CombinedFacilitator extends Facilitator {
  /** Whether an entry handles offers of this kind. */
  covers(kind: OfferKind): boolean
  /** The entries, network patterns in canonical form, narrowest first. */
  readonly routes: readonly Readonly<FacilitatorRoute>[]
}

/**
 * One facilitator that sends each offer to the entry of its scheme whose network pattern covers it, the narrowest
 * when several do: `combineFacilitators([{ scheme: 'exact', network: 'eip155:*', facilitator: local }, ...])`.
 * With entries, an offer no entry covers fails when the paywall is created (`unsupported_payment_kind`); the older
 * `{ exact: f, 'nvm:erc4337': g }` form (any network) lets it through and answers it 502 at verify, as it always did.
 */
export function combineFacilitators(routes: readonly FacilitatorRoute[] | FacilitatorsByScheme): CombinedFacilitator {
  const byEntries = Array.isArray(routes)
  const table = byEntries ? checkRoutes(routes) : fromSchemes(routes as FacilitatorsByScheme)
  const name = `combined(${table.map((route) => `${route.scheme}${route.network === '*' ? '' : `@${route.network}`}:${route.facilitator.name ?? 'facilitator'}`).join(',')})`
  const routeOf = (kind: OfferKind) => table.find((route) => route.scheme === kind.scheme && patternCovers(route.network, kind.network))
  const pick = (kind: OfferKind): Facilitator => {
    const route = routeOf(kind)
    if (!route) throw uncovered(kind, name, table, 'facilitator_error')
    return route.facilitator
  }
  return {
    name,
    routes: table,
    perRequestVerification: table.some((route) => route.facilitator.perRequestVerification === true),
    // The engine then keeps every delivered settlement in the outbox and asks about it again: only safe when every
    // entry answers such a question (`pendingTransaction`) about its transaction instead of settling anew.
    watchesSettlements: table.every((route) => route.facilitator.watchesSettlements === true),
    covers: (kind) => routeOf(kind) !== undefined,
    // Async, so that an offer nobody handles rejects like any facilitator failure instead of throwing.
    verify: async (request, signal) => pick(request.requirements).verify(request, signal),
    settle: async (request, signal) => pick(request.requirements).settle(request, signal),
    // Read for every offer when a paywall is created: the place to refuse an offer no entry covers, and what its
    // facilitator adds to it (upto: its facilitatorAddress).
    offerExtra(kind) {
      const route = routeOf(kind)
      if (!route && byEntries) throw uncovered(kind, name, table, 'unsupported_payment_kind')
      return route?.facilitator.offerExtra?.(kind)
    },
    // The extensions of the entry that handles offers of this kind.
    supportedExtensions: (kind) => routeOf(kind)?.facilitator.supportedExtensions?.(kind),
    async supported(signal) {
      const asked = new Map<Facilitator, Promise<PaymentKind[]>>()
      const kinds: PaymentKind[] = []
      for (const route of table) {
        const { facilitator } = route
        if (!facilitator.supported) continue
        if (!asked.has(facilitator)) asked.set(facilitator, facilitator.supported(signal))
        for (const kind of await asked.get(facilitator)!) {
          const routed = routedKind(kind, route, routeOf)
          if (routed && !kinds.some((seen) => sameKind(seen, routed))) kinds.push(routed)
        }
      }
      return kinds
    },
  }
}

function checkRoutes(routes: readonly FacilitatorRoute[]): Readonly<FacilitatorRoute>[] {
  if (routes.length === 0) throw noEntries()
  const table = routes.map((route, i) => {
    const path = `routes[${i}]`
    if (typeof route?.scheme !== 'string' || route.scheme === '') {
      throw new TollgateError('invalid_options', `combineFacilitators: ${path}.scheme must be a scheme name.`, { path: `${path}.scheme`, expected: "'exact', 'upto', 'nvm:erc4337', ..." })
    }
    checkFacilitator(route.facilitator, `${path}.facilitator`, route.scheme)
    return Object.freeze({ scheme: route.scheme, network: parseNetworkPattern(route.network, `${path}.network`), facilitator: route.facilitator })
  })
  table.forEach((route, i) => {
    const twin = table.findIndex((other) => other.scheme === route.scheme && other.network === route.network)
    if (twin !== i) {
      throw new TollgateError('invalid_options', `combineFacilitators: routes[${twin}] and routes[${i}] both handle ${route.scheme} on ${describePattern(route.network)}.`, {
        path: `routes[${i}]`,
        expected: 'one entry per scheme and network pattern',
      })
    }
  })
  // Narrowest first, so that the first entry that covers an offer is the one that handles it.
  return table.map((route, i) => ({ route, i })).sort((a, b) => patternRank(b.route.network) - patternRank(a.route.network) || a.i - b.i).map(({ route }) => route)
}

function fromSchemes(byScheme: FacilitatorsByScheme): Readonly<FacilitatorRoute>[] {
  const entries = Object.entries(byScheme ?? {})
  if (entries.length === 0) throw noEntries()
  for (const [scheme, facilitator] of entries) checkFacilitator(facilitator, `byScheme["${scheme}"]`, scheme)
  return entries.map(([scheme, facilitator]) => Object.freeze({ scheme, network: '*', facilitator }))
}

function noEntries(): TollgateError {
  return new TollgateError('invalid_options', 'combineFacilitators: give at least one entry.', {
    path: 'routes',
    expected: "[{ scheme: 'exact', network: 'eip155:*', facilitator: localFacilitator(...) }, { scheme: 'nvm:erc4337', network: '*', facilitator: nevermined(...) }]",
  })
}

function checkFacilitator(facilitator: Facilitator | undefined, path: string, scheme: string): void {
  if (!facilitator || typeof facilitator.verify !== 'function' || typeof facilitator.settle !== 'function') {
    throw new TollgateError('invalid_options', `combineFacilitators: "${scheme}" is not a Facilitator.`, { path, expected: 'an object with verify() and settle()' })
  }
}

function uncovered(kind: OfferKind, name: string, table: readonly Readonly<FacilitatorRoute>[], code: 'facilitator_error' | 'unsupported_payment_kind'): TollgateError {
  const entries = table.map((route) => `${route.scheme} on ${describePattern(route.network)}`).join('; ')
  return new TollgateError(
    code,
    `No facilitator of ${name} handles ${kind.scheme} on ${kind.network}: its entries are ${entries}. Add { scheme: '${kind.scheme}', network: '${kind.network}', facilitator } to combineFacilitators.`,
    { scheme: kind.scheme, network: kind.network, entries: table.map((route) => ({ scheme: route.scheme, network: route.network })), expected: 'an entry for this scheme and network' },
  )
}

/**
 * A kind a member lists, as the combination supports it: only when this entry is the one its offers are routed
 * to, with a wildcard network narrowed to the entry's pattern. v1 kinds name networks in v1 words.
 */
function routedKind(kind: PaymentKind, route: Readonly<FacilitatorRoute>, routeOf: (kind: OfferKind) => Readonly<FacilitatorRoute> | undefined): PaymentKind | undefined {
  if (kind.scheme !== route.scheme) return undefined
  const v1 = kind.x402Version === 1
  const listed = v1 ? (fromV1Network(kind.network) ?? kind.network) : kind.network
  if (listed.endsWith('*')) {
    const network = narrowest(listed, route.network)
    return network === undefined || v1 ? (network === listed ? kind : undefined) : { ...kind, network }
  }
  return routeOf({ scheme: kind.scheme, network: listed }) === route ? kind : undefined
}

function sameKind(a: PaymentKind, b: PaymentKind): boolean {
  return a.x402Version === b.x402Version && a.scheme === b.scheme && a.network === b.network
}
