// Adapters take either a routes map or one route's options inline (`paywall({ accepts, facilitator })`).
// This turns both into createPaywall options, so every adapter accepts the same names and fails the same way.
import type { PaymentOption, RouteConfig } from '../requirements/types.js'
import { invalid } from './options.js'
import type { PaywallOptions } from './types.js'

/** The route an inline config stands for: every path and method the adapter hands to the paywall. */
export const ANY_ROUTE = '/*'

/** One route's options inline: what it accepts, plus the paywall's policies. */
export interface RoutePaywallOptions extends Omit<PaywallOptions, 'routes'> {
  /** What the route accepts: one payment option or several. */
  accepts: PaymentOption | readonly PaymentOption[]
  /** Shown in the 402's `resource.description`. */
  description?: string
  /** Shown in the 402's `resource.mimeType`. */
  mimeType?: string
  /** The x402 extensions the route speaks: `[paymentIdentifier(), bazaar({ ... })]` (docs/extensions.md). */
  extensions?: RouteConfig['extensions']
  routes?: undefined
}

/** What every adapter takes: `{ routes, facilitator, ... }` or `{ accepts, facilitator, ... }`. */
export type AdapterOptions = PaywallOptions | RoutePaywallOptions

/** createPaywall options for either form; throws `invalid_options` when both or neither are given. */
export function toPaywallOptions(options: AdapterOptions): PaywallOptions {
  if (!options || typeof options !== 'object') invalid('options', 'an object { accepts, facilitator, ... } or { routes, facilitator, ... }')
  const hasRoutes = options.routes !== undefined
  const hasAccepts = 'accepts' in options && options.accepts !== undefined
  if (hasRoutes && hasAccepts) invalid('accepts', 'either accepts (one route) or routes (a map), not both')
  if (hasRoutes) return options as PaywallOptions
  if (!hasAccepts) invalid('accepts', "a payment option for this route, e.g. exact({ price: '$0.01', network, payTo }), or a routes map")
  const { accepts, description, mimeType, extensions, routes: _routes, ...policies } = options as RoutePaywallOptions
  // A key left undefined is as good as absent: the engine reads each with `!== undefined`.
  const route: RouteConfig = { accepts, description, mimeType, extensions }
  return { ...policies, routes: { [ANY_ROUTE]: route } }
}
