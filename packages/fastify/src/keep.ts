// Paid answers kept for idempotent retries, as the core keeps Fetch Responses: Fastify's payload (a string, a
// buffer, or a Node or web stream) becomes a Response for the core, and what the core gives back goes out.
import type { FastifyReply } from 'fastify'
import { Readable } from 'node:stream'
import type { PaymentSession } from '@tollgate/x402'
import { headersOf } from '@tollgate/node/fetch'

/**
 * Hands a paid answer to the core to keep for idempotent retries. A body in memory goes out as it is; a stream
 * (Node's or the web's) goes out as the core's copy of it, which the core reads alongside the client.
 */
export function keep(session: PaymentSession, reply: FastifyReply, payload: unknown): unknown {
  const inMemory = typeof payload === 'string' || payload instanceof Uint8Array
  const stream = isNodeStream(payload) ? asBytes(Readable.toWeb(payload) as ReadableStream) : isWebStream(payload) ? payload : undefined
  if (!inMemory && !stream) return payload
  const kept = session.keep(new Response((stream ?? payload) as BodyInit, { status: reply.statusCode, headers: headersOf(reply) }))
  return inMemory ? payload : kept.body
}

/** A Node stream may carry strings (`Readable.from(['a', 'b'])`); a Response body carries bytes. */
function asBytes(stream: ReadableStream): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return stream.pipeThrough(new TransformStream<unknown, Uint8Array>({ transform: (chunk, out) => out.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : (chunk as Uint8Array)) }))
}

const isNodeStream = (value: unknown): value is Readable => typeof (value as Readable | null)?.pipe === 'function'
const isWebStream = (value: unknown): value is ReadableStream => typeof (value as ReadableStream | null)?.getReader === 'function'
