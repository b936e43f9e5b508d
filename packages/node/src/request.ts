// A Fetch Request for paywall.check(), built from Node's IncomingMessage without reading its body.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'

/** Method, URL and headers of `req`; the body stays unread on the socket for the handler. */
export function toFetchRequest(req: IncomingMessage): Request {
  const headers = new Headers()
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    // HTTP/2's pseudo-headers (":path") are not headers a Request can carry.
    if (raw[i]!.charCodeAt(0) !== 58) headers.append(raw[i]!, raw[i + 1]!)
  }
  return new Request(urlOf(req), { method: req.method ?? 'GET', headers })
}

/**
 * The URL the client asked for. Connect and Express strip a mount path from `req.url` and keep the whole one in
 * `req.originalUrl`: routes and the 402's resource URL use the whole path.
 */
function urlOf(req: IncomingMessage): string {
  const target = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/'
  if (/^https?:\/\//i.test(target)) return target // absolute form, as sent to proxies
  const protocol = (req.socket as TLSSocket | null)?.encrypted ? 'https' : 'http'
  const host = req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? 'localhost'
  return `${protocol}://${host}${target.startsWith('/') ? target : '/' + target}`
}

/** True once the client's connection is gone before the answer was fully sent. */
export function clientGone(res: ServerResponse): boolean {
  if (res.writableFinished) return false
  return res.destroyed || res.socket?.destroyed === true
}
