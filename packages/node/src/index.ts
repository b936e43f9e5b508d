// @tollgate/node: the paywall for plain node:http servers (`toNodeHandler`) and for Connect-style `(req, res, next)`
// middleware stacks. The request is converted without reading its body, the core decides (check, then
// session.finish once the handler's head is decided), and the handler writes to `res` as usual, streams too.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { TollgateError, createPaywall, toPaywallOptions, withClose, type AdapterOptions, type Closable, type PaymentContext, type Paywall } from '@tollgate/x402'
import { gateRequest } from './gate.js'

export * from '@tollgate/x402'
export { gateRequest, type NodeGate } from './gate.js'

/** Options: one route's `{ accepts, facilitator, ... }` (every request it sees), or `{ routes, facilitator, ... }`. */
export type NodePaywallOptions = AdapterOptions

/** A node:http handler, with the request's payment context as a third argument. */
export type PaidNodeHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse> = (
  req: Req,
  res: Res,
  payment: PaymentContext,
) => void | Promise<void>

/** Connect-style middleware: `next()` runs the rest of the stack, `next(error)` its error handler. */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void

export interface NodeHandlerOptions {
  /** Told about an error the handler threw, after the client got a 500. Default: `console.error`. */
  onError?: (error: unknown, req: IncomingMessage) => void
}

/** A request the paywall let through: `req.payment` is set (not declared on IncomingMessage for everyone). */
export type PaidIncomingMessage = IncomingMessage & { payment: PaymentContext }

/** A Paywall from createPaywall() is used as it is; options are validated now, so a bad one fails at start-up. */
function toPaywall(paywall: Paywall | NodePaywallOptions, caller: string): Paywall {
  if (paywall && typeof (paywall as Paywall).check === 'function') return paywall as Paywall
  if (!paywall || typeof paywall !== 'object') {
    throw new TollgateError('invalid_options', `${caller}: expected a Paywall from createPaywall() or options { accepts | routes, facilitator, ... }.`, { path: 'options' })
  }
  return createPaywall(toPaywallOptions(paywall as NodePaywallOptions))
}

/**
 * Wraps a node:http handler: `http.createServer(toNodeHandler({ routes, facilitator }, handler))`. The handler
 * writes its answer as usual (`res.writeHead`/`res.write`/`res.end`, `stream.pipe(res)`), and reads
 * `payment` (its third argument, also `req.payment`). A handler that throws or rejects before its answer went out
 * is answered 500 and charged nothing. `await handler.close()` on shutdown closes its paywall (`Paywall.close`).
 */
export function toNodeHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse>(
  paywall: Paywall | NodePaywallOptions,
  handler: PaidNodeHandler<Req, Res>,
  options: NodeHandlerOptions = {},
): ((req: Req, res: Res) => Promise<void>) & Closable {
  const core = toPaywall(paywall, 'toNodeHandler')
  if (typeof handler !== 'function') throw new TollgateError('invalid_options', 'toNodeHandler: the second argument must be a handler (req, res, payment) => void.', { path: 'handler', expected: 'a function' })
  const onError = options.onError ?? ((error: unknown) => console.error(error))
  return withClose(async (req: Req, res: Res) => {
    let gate
    try {
      gate = await gateRequest(core, req, res)
    } catch (error) {
      // Not a payment problem (the paywall's own answers never throw): a bare 500, nothing charged.
      onError(error, req)
      return void (res.headersSent ? res.destroy() : res.writeHead(500).end())
    }
    if (gate.kind === 'answered') return
    ;(req as Req & PaidIncomingMessage).payment = gate.payment
    try {
      await handler(req, res, gate.payment)
    } catch (error) {
      gate.fail(error)
      onError(error, req)
    }
  }, core)
}

/**
 * Connect-style middleware, for stacks such as Express, Connect or polka: `app.use(paywall({ routes, facilitator }))`.
 * Sets `req.payment`, and answers payment problems (402, 502, 504) itself; a fault that is not a payment problem
 * goes to `next(error)`. Routes are matched against the whole path (`req.originalUrl` when mounted).
 * `await middleware.close()` on shutdown closes its paywall (`Paywall.close`).
 */
export function paywall(options: Paywall | NodePaywallOptions): NodeMiddleware & Closable {
  const core = toPaywall(options, 'paywall')
  return withClose((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
    gateRequest(core, req, res).then((gate) => {
      if (gate.kind === 'answered') return
      ;(req as PaidIncomingMessage).payment = gate.payment
      next()
    }, next)
  }, core)
}
