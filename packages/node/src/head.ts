// Holds a Node response's head back until the paywall has decided on it. The handler writes as usual (writeHead,
// write, end, pipe, res.json, res.sendFile); nothing reaches the socket until `decide` has run, which settles the
// payment and either lets the answer out with the receipt added, or replaces it with the paywall's own.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { sendResponse } from './send.js'

/**
 * What goes out once decided: the handler's answer (each byte also shown to the tap), a Response instead of it, or
 * nothing (`cut`: the client is gone, or the answer must not go out at all).
 */
export type Decision = { pass: Tap } | { replace: Response } | { cut: true }

/** Sees every chunk of a passed answer as it goes out (to keep it for idempotent retries). */
export interface Tap {
  chunk(bytes: Uint8Array): void
  end(): void
}

/** Called once, when the handler's answer is decided (ended, or a stream started): settles, says what goes out. */
export type Decide = () => Promise<Decision>

export interface HeldResponse {
  /** Whether the head was already decided (settlement started): then only tearing down is left. */
  readonly decided: boolean
  /** Drops whatever the handler wrote and sends `response` instead (before the head was decided). */
  replace(response: Response): void
}

type Callback = (error?: Error | null) => void
interface Chunk {
  data: string | Uint8Array
  encoding: BufferEncoding | undefined
}

/** A tap that sees nothing: passed chunks are then not even converted to bytes. */
export const NO_TAP: Tap = { chunk() {}, end() {} }

export function holdHead(res: ServerResponse, decide: Decide): HeldResponse {
  const writeHead = res.writeHead
  // The response's own methods (Node's, or another middleware's wrappers installed before us).
  const write = res.write.bind(res) as (data: string | Uint8Array, encoding?: BufferEncoding, callback?: Callback) => boolean
  const end = res.end.bind(res) as (data?: string | Uint8Array, encoding?: BufferEncoding, callback?: Callback) => ServerResponse
  const flushHeaders = res.flushHeaders.bind(res)
  let state: 'open' | 'deciding' | 'passing' | 'dropped' = 'open'
  let tap = NO_TAP
  const held: Chunk[] = []
  const callbacks: Callback[] = []
  let heldBytes = 0
  let ended = false
  let started = false // what Node's headersSent would say: the handler has written its head
  let owesDrain = false
  let flushed = false // the handler asked for its head to go out now (event streams)
  let timer: NodeJS.Immediate | undefined
  const sources = new Set<Readable>()

  // Stream sources piped into the response, so that a replaced answer can stop reading them.
  const onPipe = (source: Readable) => sources.add(source)
  const onUnpipe = (source: Readable) => sources.delete(source)
  res.on('pipe', onPipe).on('unpipe', onUnpipe)
  Object.defineProperty(res, 'headersSent', { configurable: true, get: () => started })

  // Node writes an implicit head through res.writeHead too: once passing, or while the paywall sends its own
  // answer, it goes to the real one (or to whatever another middleware put there before us).
  let sending = false
  res.writeHead = function (status: number, ...rest: unknown[]) {
    if (state === 'passing' || sending) return Reflect.apply(writeHead, res, [status, ...rest]) as ServerResponse
    if (state !== 'open') return res
    res.statusCode = status
    const [message, headers] = typeof rest[0] === 'string' ? rest : [undefined, rest[0]]
    if (typeof message === 'string') res.statusMessage = message
    setAll(res, headers as OutgoingHttpHeaders | unknown[] | undefined)
    started = true
    return res
  } as ServerResponse['writeHead']

  res.write = function (data: string | Uint8Array, encoding?: BufferEncoding | Callback, callback?: Callback): boolean {
    if (typeof encoding === 'function') (callback = encoding), (encoding = undefined)
    if (state === 'passing') {
      if (tap !== NO_TAP) tap.chunk(bytesOf(data, encoding))
      return write(data, encoding as BufferEncoding, callback)
    }
    if (state === 'dropped') return swallow(callback)
    started = true
    hold(data, encoding, callback)
    // A stream's head is decided two turns later, so that a handler that writes and then ends, or throws, in the
    // same turn is seen whole: Express's routers hand an error to the final handler (which cuts the connection of
    // an answer already started) on the next turn.
    timer ??= setImmediate(() => (timer = setImmediate(commit)))
    const ok = state === 'open' && heldBytes < res.writableHighWaterMark
    if (!ok) owesDrain = true
    return ok
  } as ServerResponse['write']

  res.end = function (data?: string | Uint8Array | Callback, encoding?: BufferEncoding | Callback, callback?: Callback): ServerResponse {
    if (typeof data === 'function') (callback = data), (data = undefined)
    if (typeof encoding === 'function') (callback = encoding), (encoding = undefined)
    if (state === 'passing') {
      if (data != null && tap !== NO_TAP) tap.chunk(bytesOf(data, encoding))
      tap.end()
      return end(data, encoding as BufferEncoding, callback)
    }
    if (state === 'dropped' || ended) return swallow(callback), res
    started = true
    ended = true
    if (data != null) hold(data, encoding, callback)
    else if (callback) callbacks.push(callback)
    if (state === 'open') commit()
    return res
  } as ServerResponse['end']

  res.flushHeaders = function () {
    if (state === 'passing') return flushHeaders()
    started = true
    flushed = true
    if (state === 'open') commit()
  }

  function hold(data: string | Uint8Array, encoding: BufferEncoding | undefined, callback: Callback | undefined) {
    held.push({ data, encoding })
    if (callback) callbacks.push(callback)
    heldBytes += typeof data === 'string' ? Buffer.byteLength(data, encoding) : data.byteLength
  }

  function commit() {
    if (timer) clearImmediate(timer)
    if (state !== 'open') return
    state = 'deciding'
    decide().then(
      (decision) => ('pass' in decision ? pass(decision.pass) : drop('replace' in decision ? decision.replace : undefined)),
      (error: unknown) => res.destroy(error instanceof Error ? error : new Error(String(error))),
    )
  }

  function pass(next: Tap) {
    state = 'passing'
    tap = next
    unwatch()
    if (flushed && !ended) flushHeaders()
    let ok = true
    const last = held.length - 1
    held.forEach((chunk, index) => {
      const bytes = bytesOf(chunk.data, chunk.encoding)
      tap.chunk(bytes)
      if (!(ended && index === last)) ok = write(bytes)
    })
    const done = () => callbacks.splice(0).forEach((callback) => callback())
    if (ended) {
      tap.end()
      end(last >= 0 ? bytesOf(held[last]!.data, held[last]!.encoding) : undefined, undefined, done)
    } else {
      done()
      // The handler saw backpressure while we held its chunks: tell it to go on, unless Node will.
      if (owesDrain && ok) res.emit('drain')
    }
    held.length = 0
  }

  function drop(response: Response | undefined) {
    state = 'dropped'
    unwatch()
    held.length = 0
    for (const source of sources) source.destroy()
    callbacks.splice(0).forEach((callback) => process.nextTick(callback))
    // A handler waiting for 'drain' goes on, into writes that are discarded, rather than waiting forever.
    if (owesDrain) process.nextTick(() => res.emit('drain'))
    if (!response) return void res.destroy()
    // Node's own write and end: the implicit head they write goes through to the real writeHead.
    const raw = <T>(run: () => T): T => {
      sending = true
      try {
        return run()
      } finally {
        sending = false
      }
    }
    const writer = { write: (chunk: Uint8Array) => raw(() => write(chunk)), end: () => void raw(() => end()) }
    sendResponse(res, response, writer).catch((error: unknown) => res.destroy(error as Error))
  }

  function unwatch() {
    // Node's own headersSent again (the handler's head is what goes out, or the paywall's answer).
    delete (res as { headersSent?: boolean }).headersSent
    res.off('pipe', onPipe).off('unpipe', onUnpipe)
  }

  return {
    get decided() {
      return state !== 'open'
    },
    replace(response) {
      if (state !== 'open') return
      if (timer) clearImmediate(timer)
      drop(response)
    },
  }
}

function swallow(callback: Callback | undefined): true {
  if (callback) process.nextTick(callback)
  return true
}

function bytesOf(data: string | Uint8Array, encoding: BufferEncoding | undefined): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, encoding) : data
}

/** writeHead's headers, as an object or as Node's flat or paired arrays. */
function setAll(res: ServerResponse, headers: OutgoingHttpHeaders | unknown[] | undefined): void {
  if (!headers) return
  if (!Array.isArray(headers)) {
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value)
    return
  }
  const pairs = Array.isArray(headers[0]) ? (headers as [string, string][]) : Array.from({ length: headers.length / 2 }, (_, i) => [headers[2 * i], headers[2 * i + 1]] as [string, string])
  for (const [name, value] of pairs) res.appendHeader(name, value)
}
