// Paid answers kept for idempotent retries, as the core keeps Fetch Responses: the bytes a Node handler sends
// are shown to the core as a Response body while they go out, never held back for it.
import type { ServerResponse } from 'node:http'
import type { PaymentSession } from '@tollgate/x402'
import { NO_TAP, type Tap } from './head.js'
import { headersOf } from './response-headers.js'

/** A tap that hands the answer's bytes to `session.keep`; nothing when the core keeps nothing for this answer. */
export function keepTap(session: PaymentSession, res: ServerResponse): Tap {
  let source!: ReadableStreamDefaultController<Uint8Array>
  const body = new ReadableStream<Uint8Array>({ start: (controller) => void (source = controller) })
  const offered = new Response(body, { status: res.statusCode, headers: headersOf(res) })
  const kept = session.keep(offered)
  if (kept === offered || !kept.body) {
    body.cancel().catch(() => {})
    return NO_TAP
  }
  // The core reads its copy as a branch of what it hands back: read that branch, so that the copy moves on.
  void kept.body.pipeTo(new WritableStream()).catch(() => {})
  let open = true
  // An answer cut short is not kept: erroring the body drops the copy.
  res.once('close', () => open && ((open = false), source.error(new Error('The client went away before the answer was out.'))))
  return {
    chunk: (bytes) => open && source.enqueue(bytes),
    end: () => open && ((open = false), source.close()),
  }
}
