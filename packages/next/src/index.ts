// @tollgate/next: the paywall around an App Router route handler (Node and Edge runtimes).
// The handler runs inside paywall.handle: settlement happens after it returned, before its body is sent.
import { TollgateError, createPaywall, toPaywallOptions, withClose, type AdapterOptions, type Closable, type PaymentContext } from '@tollgate/x402'

export * from '@tollgate/x402'

/** Options: one route's `{ accepts, facilitator, ... }`, or `{ routes, facilitator, ... }` matched against the path. */
export type NextPaywallOptions = AdapterOptions

/** Next's second argument (`{ params }`), plus the payment: `context.payment.payment?.payer`, `context.payment.charge(n)`. */
export type PaidRouteContext<C> = C & { payment: PaymentContext }

/** A route handler as Next calls it, with the payment context added to its second argument. */
export type PaidRouteHandler<R extends Request, C> = (request: R, context: PaidRouteContext<C>) => Response | Promise<Response>

/**
 * Wraps a route handler: `export const GET = withPaywall(handler, { accepts, facilitator })`.
 * Unpaid requests get a 402 and never reach the handler. `await GET.close()` on shutdown closes its paywall.
 */
export function withPaywall<R extends Request = Request, C = { params: Promise<Record<string, string | string[]>> }>(
  handler: PaidRouteHandler<R, C>,
  options: NextPaywallOptions,
): ((request: R, context: C) => Promise<Response>) & Closable {
  if (typeof handler !== 'function') throw new TollgateError('invalid_options', 'withPaywall: the first argument must be a route handler (request, context) => Response.', { path: 'handler', expected: 'a function' })
  const paywall = createPaywall(toPaywallOptions(options))
  const wrapped = (request: R, context: C) => paywall.handle(request, (_request, payment) => handler(request, { ...(context as C), payment }))
  return withClose(wrapped, paywall)
}
