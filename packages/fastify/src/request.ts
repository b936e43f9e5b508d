// A Fetch Request for paywall.check(), built from Fastify's raw request without reading its body.
import type { FastifyReply, FastifyRequest } from 'fastify'

export function toFetchRequest(request: FastifyRequest, reply: FastifyReply): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.raw.headers)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) headers.append(name, item)
    else headers.set(name, value)
  }
  const host = request.headers.host ?? 'localhost'
  const url = `${request.protocol}://${host}${request.raw.url ?? '/'}`
  return new Request(url, { method: request.raw.method ?? 'GET', headers, signal: connectionSignal(reply) })
}

/** Aborts when the connection closes before the response was fully sent (the client went away). */
function connectionSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  const response = reply.raw
  if (response.destroyed && !response.writableFinished) controller.abort()
  else response.once('close', () => response.writableFinished || controller.abort())
  return controller.signal
}
