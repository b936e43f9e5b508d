// Writes one of the paywall's own answers (a 402, a 5xx, a kept answer replayed) onto a Node response.
import type { ServerResponse } from 'node:http'

/** How to end the response: Node's own `end`, also while the handler's is held back (head.ts). */
export type EndFn = (body?: Uint8Array) => void

// Headers that describe a body or its caching belong to the answer that carries them: the handler's must not
// land on a 402 that replaces it. Others (CORS, cookies set by earlier middleware) stay.
const OWN_HEADERS = /^(content-|etag$|last-modified$|transfer-encoding$|cache-control$)/

/**
 * Sends `response`: its status and headers over what the response has so far, then its body. The paywall's
 * answers are small and in memory (kept answers are bounded by `idempotency.maxBodyBytes`), so the body goes
 * out in one piece, with its Content-Length.
 */
export async function sendResponse(res: ServerResponse, response: Response, end: EndFn = (body) => res.end(body)): Promise<void> {
  const body = response.body ? new Uint8Array(await response.arrayBuffer()) : undefined
  if (res.destroyed) return
  for (const name of res.getHeaderNames()) if (OWN_HEADERS.test(name)) res.removeHeader(name)
  res.statusCode = response.status
  if (response.statusText) res.statusMessage = response.statusText
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.appendHeader('set-cookie', cookies)
  end(body)
}
