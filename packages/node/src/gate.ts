// One request through the core's two phases on Node: check() before the handler, session.finish() when the
// handler's head is decided (head.ts), when it threw, or when the client left; never a state machine of our own.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Instruction, Outcome, PaymentContext, Paywall } from '@tollgate/x402'
import { holdHead, type Decision } from './head.js'
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
const LEFT: Outcome = Object.freeze({ kind: 'left' })
const CUT: Decision = Object.freeze({ cut: true as const })

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
    // Gone already (its 'close' may not have been emitted yet): the core releases the payment; nothing goes out.
    const instruction = await session.finish(clientGone(res) ? LEFT : { kind: 'head', status: res.statusCode })
    if (instruction.kind === 'cut') return CUT
    if (instruction.kind === 'replace') return { replace: instruction.response }
    for (const name in instruction.headers) res.setHeader(name, instruction.headers[name]!)
    return { pass: keepTap(session, res) }
  })
  // A client that leaves before the head was decided is never charged (the core also looks, when it settles).
  res.once('close', () => held.decided || void session.finish(LEFT))
  const apply = (instruction: Instruction) => {
    if (held.decided) return
    if (instruction.kind === 'replace') held.replace(instruction.response)
    else res.destroy()
  }
  return {
    kind: 'pass',
    payment: session.ctx,
    fail(error) {
      if (held.decided) return void res.destroy() // the head is out: all that is left is cutting the answer short
      void session.finish({ kind: 'threw', error }).then(apply)
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
