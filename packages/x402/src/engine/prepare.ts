// What a route asks of one request: its offers with amounts resolved, the PaymentRequired, and the rendered
// 402. A route whose amounts are all fixed is prepared once per resource URL and then served from memory.
import type { PaymentRequired, PaymentRequirements, ResourceInfo } from '../codec/types.js'
import { buildRequirements, offerKey, resolveAmount } from '../requirements/build.js'
import { resourceUrl } from '../requirements/resource.js'
import type { PaymentOption } from '../requirements/types.js'
import { render402, type Rendered402 } from './responses.js'
import type { CompiledRoute } from './routes.js'
import { createUrlMemo } from './url-memo.js'

export interface PreparedOffer {
  option: PaymentOption
  requirements: PaymentRequirements
  /** Atomic units or credits to authorise, a decimal string. */
  amount: string
  /** Identifies this offer in cache keys. */
  key: string
}

export interface Prepared {
  resource: ResourceInfo
  offers: PreparedOffer[]
  paymentRequired: PaymentRequired
  /** The unpaid 402, rendered. */
  unpaid: Rendered402
}

export interface PrepareSettings {
  trustProxy: boolean
  baseUrl: string | undefined
}

const MAX_CACHED_RESOURCES = 1000

export function createPreparer(settings: PrepareSettings) {
  // Per route: whether its amounts are all fixed (worked out once), and then its prepared answers by resource URL.
  const caches = new WeakMap<CompiledRoute, Map<string, Prepared> | null>()
  // Without trustProxy the resource URL depends on the request URL alone (the pathname comes from it too).
  const fromUrl = createUrlMemo((url) => {
    const pathname = new URL(url).pathname
    return resourceUrl({ url } as Request, { trustProxy: false, baseUrl: settings.baseUrl, path: pathname })
  })

  /** A route with fixed amounts answers from memory without a promise; a priced-per-request one builds each time. */
  return function prepare(route: CompiledRoute, request: Request, pathname: string): Prepared | Promise<Prepared> {
    const url = settings.trustProxy
      ? resourceUrl(request, { trustProxy: true, baseUrl: settings.baseUrl, path: pathname })
      : fromUrl(request.url)
    let cache = caches.get(route)
    if (cache === undefined) {
      cache = route.options.every((option) => typeof option.amount === 'string') ? new Map() : null
      caches.set(route, cache)
    }
    if (cache === null) return build(route, request, url)
    const known = cache.get(url)
    if (known) return known
    return build(route, request, url).then((prepared) => {
      if (cache.size >= MAX_CACHED_RESOURCES) cache.clear()
      cache.set(url, prepared)
      return prepared
    })
  }
}

async function build(route: CompiledRoute, request: Request, url: string): Promise<Prepared> {
  const resource: ResourceInfo = { url }
  if (route.config.description !== undefined) resource.description = route.config.description
  if (route.config.mimeType !== undefined) resource.mimeType = route.config.mimeType
  const offers = await Promise.all(
    route.options.map(async (option): Promise<PreparedOffer> => {
      const amount = await resolveAmount(option, request)
      const requirements = buildRequirements(option, amount)
      const key = offerKey(requirements, amount, url)
      return { option, requirements, amount, key }
    }),
  )
  // What buildPaymentRequired makes, written out: a route has at least one offer (compileRoutes), and `resource`
  // holds only the keys it has.
  const paymentRequired: PaymentRequired = { x402Version: 2, resource: { ...resource }, accepts: offers.map((offer) => offer.requirements) }
  // An extension that declares undefined declares nothing (JSON leaves it out).
  for (const extension of route.config.extensions ?? []) {
    ;(paymentRequired.extensions ??= {})[extension.key] = extension.declare?.({ route: route.key, method: route.method, path: route.path, resource, accepts: paymentRequired.accepts })
  }
  return { resource, offers, paymentRequired, unpaid: render402(paymentRequired) }
}
