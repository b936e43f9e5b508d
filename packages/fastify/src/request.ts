// A Fetch Request for paywall.check(), built from Fastify's raw request without reading its body: the conversion is
// @tollgate/node's (one for every node:http adapter); Fastify adds what it knows better, the protocol behind a
// trusted proxy and the moment the client goes away.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { toFetchRequest as fromNodeRequest } from '@tollgate/node/fetch'

export function toFetchRequest(request: FastifyRequest, reply: FastifyReply): Request {
  return fromNodeRequest(request.raw, { protocol: request.protocol, signal: connectionSignal(reply) })
}

/** Aborts when the connection closes before the response was fully sent (the client went away). */
function connectionSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  const response = reply.raw
  if (response.destroyed && !response.writableFinished) controller.abort()
  else response.once('close', () => response.writableFinished || controller.abort())
  return controller.signal
}
