// Writes one of the paywall's own answers (a 402, a 5xx, a kept answer replayed) onto a Node response.
import type { ServerResponse } from 'node:http'
import { isBodyHeader } from '@tollgate/x402'

/** How the body goes out: Node's own write and end, also while the handler's are held back (head.ts). */
export interface BodyWriter {
  write(chunk: Uint8Array): boolean
  end(): void
}

/** Sends `response`: its status and headers over what the response has so far, then its body as a stream. */
export async function sendResponse(res: ServerResponse, response: Response, writer: BodyWriter = nodeWriter(res)): Promise<void> {
  // The handler's body headers must not land on the paywall's answer that replaces it (isBodyHeader says which).
  for (const name of res.getHeaderNames()) if (isBodyHeader(name)) res.removeHeader(name)
  res.statusCode = response.status
  if (response.statusText) res.statusMessage = response.statusText
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.appendHeader('set-cookie', cookies)
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (res.destroyed) return
      if (!writer.write(chunk)) await drained(res)
    }
  }
  if (!res.destroyed) writer.end()
}

function nodeWriter(res: ServerResponse): BodyWriter {
  return { write: (chunk) => res.write(chunk), end: () => void res.end() }
}

/** Resolves when the response can take more, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done)
      resolve()
    }
    res.on('drain', done).on('close', done)
  })
}
