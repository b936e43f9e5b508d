// One request through the core's two phases on Node: check() before the handler, session.settle() when the
// handler's head is decided (head.ts), never a state machine of our own.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { PaymentContext, Paywall } from '@tollgate/x402'
import { holdHead } from './head.js'
import { keepTap } from './keep.js'
import { clientGone, toFetchRequest } from './request.js'
import { sendResponse } from './send.js'

/** What the paywall decided for one request. */
export type NodeGate =
  /** The paywall answered (402, 502, 504, a kept answer): the handler must not run. */
  | { kind: 'answered' }
  /** The handler runs; `payment` is its payment context (`payment.payment` undefined when free). */
  | { kind: 'pass'; payment: PaymentContext; fail(error: unknown): void }

const ANSWERED: NodeGate = Object.freeze({ kind: 'answered' })

/**
 * Runs phase one for `req`, and on a paid request watches `res` so that settlement happens once the handler's
 * answer is decided: when it ends (complete) or on the turn after its first chunk (a stream). `fail(error)` is for
 * a handler that threw where no framework catches it.
 */
export async function gateRequest(paywall: Paywall, req: IncomingMessage, res: ServerResponse): Promise<NodeGate> {
  const gate = await paywall.check(toFetchRequest(req), { isAborted: () => clientGone(res) })
  if (gate.kind === 'respond') {
    await sendResponse(res, gate.response)
    return ANSWERED
  }
  if (gate.kind === 'free') return { kind: 'pass', payment: gate.ctx, fail: (error) => failFree(res, error) }
  const { session } = gate
  const held = holdHead(res, async () => {
    // Gone already (its 'close' may not have been emitted yet): release the payment; nothing to settle or send.
    if (clientGone(res)) return session.abort(), { cut: true as const }
    const outcome = await session.settle(res.statusCode)
    if (!outcome.ok) return { replace: outcome.response }
    for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value)
    return { pass: keepTap(session, res) }
  })
  // A client that leaves before the head was decided is never charged (settle() also looks, when it starts).
  res.once('close', () => held.decided || session.abort())
  return {
    kind: 'pass',
    payment: session.ctx,
    fail(error) {
      if (held.decided) return void res.destroy() // the head is out: all that is left is cutting the answer short
      if (!session.speculative) return held.replace(session.fail(error))
      // A speculative run that threw while its payment was being refused answers the refusal (402, 502, 504).
      void session.refusal().then((refused) => held.decided || held.replace(refused ?? session.fail(error)))
    },
  }
}

/** A free request's handler threw: a bare 500 if nothing went out yet, else the connection is cut. */
function failFree(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.destroy()
  const body = JSON.stringify({ error: 'handler_error', message: 'The handler failed.' })
  res.writeHead(500, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body)
  void error
}
