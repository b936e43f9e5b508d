// @tollgate/bun: the paywall around a Bun.serve handler, for `fetch` and for entries of `routes`.
// Bun is fetch-shaped, so this only forwards to paywall.handle.
import { TollgateError, createPaywall, toPaywallOptions, withClose, type AdapterOptions, type Closable, type PaymentContext } from '@tollgate/x402'

export * from '@tollgate/x402'

/** Options: one route's `{ accepts, facilitator, ... }`, or `{ routes, facilitator, ... }` matched against the path. */
export type BunPaywallOptions = AdapterOptions

/** A Bun handler, `(request, server)`, with the payment context as a third argument. */
export type PaidBunHandler<R extends Request, S> = (request: R, server: S, payment: PaymentContext) => Response | Promise<Response>

/**
 * Wraps a Bun.serve handler: `fetch: withPaywall(handler, { routes, facilitator })`, or in `routes`,
 * `'/weather': withPaywall(handler, { accepts, facilitator })`. `R` keeps Bun's typed `request.params`.
 * `await wrapped.close()` on shutdown closes its paywall (`Paywall.close`).
 */
export function withPaywall<R extends Request = Request, S = unknown>(
  handler: PaidBunHandler<R, S>,
  options: BunPaywallOptions,
): ((request: R, server: S) => Promise<Response>) & Closable {
  if (typeof handler !== 'function') throw new TollgateError('invalid_options', 'withPaywall: the first argument must be a handler (request, server) => Response.', { path: 'handler', expected: 'a function' })
  const paywall = createPaywall(toPaywallOptions(options))
  const wrapped = (request: R, server: S) => paywall.handle(request, (_request, payment) => handler(request, server, payment))
  return withClose(wrapped, paywall)
}
