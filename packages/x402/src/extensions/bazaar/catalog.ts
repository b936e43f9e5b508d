// The facilitator's side of bazaar: what it has seen declared, listed as the spec's discovery list
// (`GET /discovery/resources`: { x402Version, items, pagination }). In memory and bounded: a local catalog.
import type { PaymentRequirements } from '../../codec/types.js'
import type { Facilitator, VerifyRequest } from '../../facilitator/types.js'
import { BAZAAR } from './declare.js'

/** One resource in the discovery list, as the reference's `DiscoveryResource` names its fields. */
export interface DiscoveryResource {
  /** The resource URL (its route template in place of the path, when the route has parameters). */
  resource: string
  type: 'http' | 'mcp'
  x402Version: number
  accepts: PaymentRequirements[]
  /** ISO 8601: when a payment last declared it. */
  lastUpdated: string
  description?: string
  mimeType?: string
  /** The declaration itself: `{ bazaar: { info, schema, routeTemplate? } }`. */
  extensions: Record<string, unknown>
}

export interface DiscoveryList {
  x402Version: 2
  items: DiscoveryResource[]
  pagination: { limit: number; offset: number; total: number }
}

export interface DiscoveryCatalog {
  /** Notes what a verified payment's route declares under `bazaar` (the seller's 402, else the payment's echo). */
  record(request: VerifyRequest): void
  /** The discovery list, newest first; `type` keeps `http` or `mcp` resources only. */
  list(params?: { type?: string; limit?: number; offset?: number }): DiscoveryList
}

const MAX_RESOURCES = 1000
const ROUTE_TEMPLATE = /^\/[a-zA-Z0-9_/:.\-~%]+$/

/** An in-memory discovery catalog of up to 1000 resources (the oldest go first). */
export function discoveryCatalog(): DiscoveryCatalog {
  const resources = new Map<string, DiscoveryResource>()
  return {
    record(request) {
      const declared = request.paymentRequired?.extensions?.[BAZAAR] ?? (request.proof.x402Version === 2 ? request.proof.payload.extensions?.[BAZAAR] : undefined)
      const input = (declared as { info?: { input?: { type?: unknown; toolName?: unknown } } } | undefined)?.info?.input
      if (!input || (input.type !== 'http' && input.type !== 'mcp')) return
      const url = resourceOf(request.paymentRequired.resource.url, (declared as { routeTemplate?: unknown }).routeTemplate)
      if (url === undefined) return
      const key = input.type === 'mcp' ? `${url}#${String(input.toolName)}` : url
      const { description, mimeType } = request.paymentRequired.resource
      resources.delete(key)
      resources.set(key, {
        resource: url,
        type: input.type,
        x402Version: request.x402Version,
        accepts: request.paymentRequired.accepts,
        lastUpdated: new Date().toISOString(),
        ...(description !== undefined ? { description } : {}),
        ...(mimeType !== undefined ? { mimeType } : {}),
        extensions: { [BAZAAR]: declared },
      })
      if (resources.size > MAX_RESOURCES) resources.delete(resources.keys().next().value!)
    },
    list({ type, limit = 100, offset = 0 } = {}) {
      const all = [...resources.values()].reverse().filter((item) => type === undefined || item.type === type)
      return { x402Version: 2, items: all.slice(offset, offset + limit), pagination: { limit, offset, total: all.length } }
    },
  }
}

/** `facilitator` with a discovery catalog (`.discovery`) that notes the declarations of the payments it verifies. */
export function withDiscovery<F extends Facilitator>(facilitator: F, catalog: DiscoveryCatalog = discoveryCatalog()): F & { discovery: DiscoveryCatalog } {
  const verify = facilitator.verify.bind(facilitator)
  // A new object, the given one unchanged: its own fields and getters are copied (so that `{ ...wrapped }` keeps
  // them, as for any facilitator), its prototype's methods are shared.
  const copy = Object.create(Object.getPrototypeOf(facilitator), Object.getOwnPropertyDescriptors(facilitator)) as F
  return Object.assign(copy, {
    discovery: catalog,
    async verify(request: VerifyRequest, signal: AbortSignal) {
      const result = await verify(request, signal)
      if (result.isValid) catalog.record(request)
      return result
    },
  })
}

/** The catalog's URL for a resource: its origin and route template when the template is safe, else its path. */
function resourceOf(url: string, template: unknown): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  const safe = typeof template === 'string' && ROUTE_TEMPLATE.test(template) && !/\.\.|:\/\//.test(safeDecode(template))
  return parsed.origin + (safe ? template : parsed.pathname)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(decodeURIComponent(text))
  } catch {
    return '..'
  }
}
