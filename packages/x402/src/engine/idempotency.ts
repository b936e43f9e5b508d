// Idempotent paid retries: a paid response is kept (bounded, with a TTL) so that a client whose connection
// dropped can retry with the same payment, or the same Idempotency-Key, and get it again without paying twice.
import { base64ToBytes, bytesToBase64 } from '../codec/base64.js'
import type { HeaderReader } from '../codec/headers.js'

export interface StoredResponse {
  status: number
  statusText: string
  headers: [string, string][]
  /** The body, base64. */
  body: string
  /** The resource URL it was paid for: a payment replays only where it was made. */
  resource: string
}

export interface IdempotencySettings {
  ttlMs: number
  maxBodyBytes: number
}

export const IDEMPOTENCY_DEFAULTS: IdempotencySettings = { ttlMs: 10 * 60_000, maxBodyBytes: 64 * 1024 }
const MAX_KEY_LENGTH = 255

/** The client's Idempotency-Key, when it sent a usable one. */
export function idempotencyKeyOf(headers: HeaderReader): string | undefined {
  const key = headers.get('idempotency-key')
  return key && key.length <= MAX_KEY_LENGTH ? key : undefined
}

/**
 * Returns a Response that streams the same body to the client, while a second branch of the stream is read (up to
 * `maxBodyBytes`) and handed to `save`. The client's branch is never held back: past the limit the copy is dropped.
 */
export function keepResponse(response: Response, resource: string, maxBodyBytes: number, save: (stored: StoredResponse) => Promise<void>): Response {
  // Headers first: @hono/node-server's Response forgets header edits once its statusText or body is read.
  const headers = [...response.headers]
  const base = { status: response.status, statusText: response.statusText, headers, resource }
  if (!response.body) {
    save({ ...base, body: '' }).catch(() => {})
    return response
  }
  const [toClient, toStore] = response.body.tee()
  void collect(toStore, maxBodyBytes).then((bytes) => (bytes ? save({ ...base, body: bytesToBase64(bytes) }) : undefined)).catch(() => {})
  // `base` is a ResponseInit too (status, statusText, headers; `resource` is ignored).
  return new Response(toClient, base)
}

async function collect(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | undefined> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  // Joined by a Blob: shorter than copying chunk by chunk, and this runs once per kept answer, not per request.
  return new Uint8Array(await new Blob(chunks as Uint8Array<ArrayBuffer>[]).arrayBuffer())
}

export function replayResponse(stored: StoredResponse): Response {
  const body = stored.body === '' ? null : (base64ToBytes(stored.body) as Uint8Array<ArrayBuffer>)
  const headers = new Headers(stored.headers)
  headers.set('Idempotent-Replayed', 'true')
  return new Response(body, { status: stored.status, statusText: stored.statusText, headers })
}
