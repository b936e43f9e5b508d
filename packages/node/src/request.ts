// A Fetch Request for paywall.check(), built from Node's IncomingMessage without reading its body. The one
// conversion for every adapter on node:http: @tollgate/node itself, Express (through it) and Fastify (its raw request).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'

export interface FetchRequestOptions {
  /** `http` or `https`, when the framework knows better than the socket (Fastify's `request.protocol` behind a trusted proxy). */
  protocol?: string
  /** Aborts the Request (the client went away). */
  signal?: AbortSignal
}

/** Method, URL and headers of `req`; the body stays unread on the socket for the handler. */
export function toFetchRequest(req: IncomingMessage, options?: FetchRequestOptions): Request {
  const headers = new Headers()
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    // HTTP/2's pseudo-headers (":path") are not headers a Request can carry.
    if (raw[i]!.charCodeAt(0) !== 58) headers.append(raw[i]!, raw[i + 1]!)
  }
  const init: RequestInit = { method: req.method ?? 'GET', headers }
  if (options?.signal) init.signal = options.signal
  return new Request(urlOf(req, options?.protocol), init)
}

/**
 * The URL the client asked for. Connect and Express strip a mount path from `req.url` and keep the whole one in
 * `req.originalUrl`: routes and the 402's resource URL use the whole path.
 */
function urlOf(req: IncomingMessage, protocol = (req.socket as TLSSocket | null)?.encrypted ? 'https' : 'http'): string {
  const target = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/'
  if (/^https?:\/\//i.test(target)) return target // absolute form, as sent to proxies
  const host = req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? 'localhost'
  return `${protocol}://${host}${target.startsWith('/') ? target : '/' + target}`
}

/** True once the client's connection is gone before the answer was fully sent. */
export function clientGone(res: ServerResponse): boolean {
  if (res.writableFinished) return false
  return res.destroyed || res.socket?.destroyed === true
}
