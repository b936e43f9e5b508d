// Part (3) of the suite: no event and no log line may carry a payment token, whole or in part. Every token
// minted in a test file is remembered; every onEvent payload, console call and stdout/stderr write is kept;
// at the end of the file none may contain a token or any 16-character piece of one.
import { format } from 'node:util'
import { afterAll, beforeAll } from 'vitest'

/** A piece of a token shorter than this is not counted: base64 of common JSON (`{"x402Version":2,`) is public. */
export const LEAK_WINDOW = 16

export interface Leak {
  /** The text that carries the piece (an event field or a log line), cut to 200 characters. */
  text: string
  /** The piece of the token found in it. */
  piece: string
}

/** Every `window`-character piece of any token that occurs in any text. Texts are deduplicated first. */
export function findLeaks(texts: Iterable<string>, tokens: Iterable<string>, window = LEAK_WINDOW): Leak[] {
  const pieces = new Map<string, string>()
  for (const text of new Set(texts)) {
    for (let i = 0; i + window <= text.length; i++) {
      const piece = text.slice(i, i + window)
      if (!pieces.has(piece)) pieces.set(piece, text)
    }
  }
  const leaks: Leak[] = []
  const reported = new Set<string>()
  for (const token of new Set(tokens)) {
    for (let i = 0; i + window <= token.length; i++) {
      const piece = token.slice(i, i + window)
      const text = pieces.get(piece)
      if (text === undefined || reported.has(text)) continue
      reported.add(text)
      leaks.push({ text: text.slice(0, 200), piece })
    }
  }
  return leaks
}

/** The string values inside an event (keys and numbers cannot hold a token). */
export function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) value.forEach((item) => stringsOf(item, out))
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((item) => stringsOf(item, out))
  return out
}

export interface TokenWatch {
  /** Remember a token that must never be emitted or logged. Returns it, to wrap a mint call. */
  token(value: string): string
  /** Keep an event (pass this as `onEvent`, or call it from one). */
  event(event: unknown): void
  /** Log lines captured so far (console.* calls and stdout/stderr writes). */
  readonly lines: readonly string[]
  readonly eventCount: number
  readonly tokenCount: number
  /** Leaks in everything captured so far. */
  leaks(): Leak[]
  /** Print past the capture (a run's summary). */
  print(text: string): void
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const
type ConsoleMethod = (typeof CONSOLE_METHODS)[number]
type Write = typeof process.stdout.write

/** Captures console.* and stdout/stderr writes from beforeAll to afterAll of the calling test file. */
export function watchForTokens(): TokenWatch {
  const tokens: string[] = []
  const texts: string[] = []
  const lines: string[] = []
  let eventCount = 0
  const saved: Partial<Record<ConsoleMethod, (...args: unknown[]) => void>> = {}
  let stdoutWrite: Write | undefined
  let stderrWrite: Write | undefined

  beforeAll(() => {
    for (const method of CONSOLE_METHODS) {
      saved[method] = console[method]
      // Kept, not printed: @hono/node-server says "The user aborted a request." once per client abort.
      console[method] = (...args: unknown[]) => {
        lines.push(format(...args))
      }
    }
    const capture = (original: Write): Write =>
      ((chunk: unknown, ...rest: unknown[]) => {
        lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest)
      }) as Write
    stdoutWrite = process.stdout.write
    stderrWrite = process.stderr.write
    process.stdout.write = capture(stdoutWrite.bind(process.stdout) as Write)
    process.stderr.write = capture(stderrWrite.bind(process.stderr) as Write)
  })

  afterAll(() => {
    for (const method of CONSOLE_METHODS) if (saved[method]) console[method] = saved[method]
    if (stdoutWrite) process.stdout.write = stdoutWrite
    if (stderrWrite) process.stderr.write = stderrWrite
  })

  return {
    token(value) {
      tokens.push(value)
      return value
    },
    event(event) {
      eventCount++
      stringsOf(event, texts)
    },
    get lines() {
      return lines
    },
    get eventCount() {
      return eventCount
    },
    get tokenCount() {
      return new Set(tokens).size
    },
    leaks: () => findLeaks([...texts, ...lines], tokens),
    print(text) {
      ;(saved.log ?? console.log)(text)
    },
  }
}
