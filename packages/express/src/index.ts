// @tollgate/express: the paywall as Express middleware (Express 5 and 4). Express's request and response are
// Node's, so this is @tollgate/node's middleware with Express's types: `req.payment` and `res.locals.payment`.
import type { RequestHandler } from 'express'
import { paywall as nodePaywall, withClose, type Closable, type NodePaywallOptions, type PaymentContext, type Paywall } from '@tollgate/node'

export * from '@tollgate/x402'

/** Options: one route's `{ accepts, facilitator, ... }` (every request it sees), or `{ routes, facilitator, ... }`. */
export type ExpressPaywallOptions = NodePaywallOptions

declare global {
  // Express's own extension points (@types/express-serve-static-core).
  namespace Express {
    interface Request {
      /** Set by `paywall()`: who paid (`payment`) and `charge(n)`; `payment.payment` is undefined on a free path. */
      payment: PaymentContext
    }
    interface Locals {
      /** The same payment context as `req.payment`, for views and later middleware. */
      payment: PaymentContext
    }
  }
}

/**
 * x402 paywall middleware. On one route with its options inline, `app.get('/weather', paywall({ accepts,
 * facilitator }), handler)`, or app-wide with a routes map, `app.use(paywall({ routes, facilitator }))`.
 * Payment answers (402, 502, 504) are written here; other faults go to Express's error handler (`next(error)`).
 * Settlement happens once the handler's answer is decided and 2xx (see docs/adapters/express.md).
 * `await middleware.close()` on shutdown closes its paywall (`Paywall.close`).
 */
export function paywall(options: ExpressPaywallOptions | Paywall): RequestHandler & Closable {
  const middleware = nodePaywall(options)
  const handler: RequestHandler = (req, res, next) =>
    middleware(req, res, (error) => {
      if (error === undefined) res.locals.payment = req.payment
      next(error)
    })
  return withClose(handler, middleware)
}

export default paywall
