// The headers a Node response (or a framework reply over one: Fastify's) has set so far, as Fetch Headers.
import type { OutgoingHttpHeaders } from 'node:http'

/** `res.getHeaders()` as Headers; a header set to a list (`set-cookie`) becomes one entry per item. */
export function headersOf(res: { getHeaders(): OutgoingHttpHeaders | Record<string, unknown> }): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(res.getHeaders())) {
    for (const one of Array.isArray(value) ? value : [value]) if (one !== undefined) headers.append(name, String(one))
  }
  return headers
}
