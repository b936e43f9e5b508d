// One call to a facilitator endpoint: headers, redirects, a bounded body read, and the answer checked against
// its wire schema. Every failure is a TollgateError: facilitator_error (502) when the facilitator failed or could
// not be reached, facilitator_bad_response (502) when it answered something else than the protocol's object,
// facilitator_timeout (504) when the caller's signal gave up.
import type { WireSchema } from '../codec/schemas.js'
import { firstProblem } from '../codec/validate.js'
import { TollgateError, isTollgateError, type ErrorCode, type TollgateErrorDetails } from '../errors.js'
import { abortable } from './abort.js'
import type { FacilitatorEndpoint, ResolvedHttpOptions } from './http-options.js'
import { isRedirect, redirectTarget, sameOrigin } from './redirects.js'
import { secretsOf, snippet } from './snippet.js'

/** The largest answer read; protocol answers are a few hundred bytes. */
export const MAX_ANSWER_BYTES = 1024 * 1024

export interface FacilitatorCall<T> {
  endpoint: FacilitatorEndpoint
  /** JSON body: POST when present, GET otherwise. */
  body?: string
  signal: AbortSignal
  /** What a 2xx answer must be. */
  schema: WireSchema<T>
  /**
   * A 4xx answer that still is a refusal in the protocol's shape (`isValid: false`) is taken as that refusal:
   * some facilitators send invalid payments with 400. Only refusals: never a success.
   */
  refusal?: (answer: T) => boolean
  /**
   * An answer of any error status that is this is taken as it is: a `settlement_pending` that names its
   * transaction, which some facilitators send with a 5xx, must not read as a failure that sent nothing.
   */
  whatever?: (answer: T) => boolean
  /** Strings to keep out of error details (the payment token). */
  secrets?: readonly string[]
}

export async function callFacilitator<T>(settings: ResolvedHttpOptions, call: FacilitatorCall<T>): Promise<T> {
  const { endpoint, signal } = call
  if (signal.aborted) throw abortError(signal, endpoint)
  // fetch and the body read follow a signal of this call's own, which one listener on the caller's signal aborts
  // and which is dropped when the call ends. undici keeps the listener it adds to the signal it is given until
  // the request is garbage-collected, and the engine's deadline signal is shared by every call of a batch with no
  // limit on listeners (setMaxListeners 0), which makes Node's getMaxListeners throw inside undici's Request on
  // every fetch: about 0.1 ms of a 0.6 ms call on a slow machine, measured.
  const own = new AbortController()
  const follow = () => own.abort(signal.reason)
  signal.addEventListener('abort', follow, { once: true })
  try {
    const gaveUp = () => abortError(signal, endpoint)
    const userHeaders = settings.headers === undefined ? undefined : await abortable(resolveHeaders(settings, endpoint), own.signal, gaveUp)
    const response = await send(settings, call, own.signal, userHeaders)
    const text = await readText(response, endpoint, signal, own.signal)
    return interpret(call, response.status, text, () => [...(userHeaders ? secretsOf(userHeaders) : []), ...(call.secrets ?? [])])
  } finally {
    signal.removeEventListener('abort', follow)
  }
}

async function resolveHeaders(settings: ResolvedHttpOptions, endpoint: FacilitatorEndpoint): Promise<Headers> {
  const { headers } = settings
  try {
    return new Headers(typeof headers === 'function' ? await headers(endpoint) : headers)
  } catch (error) {
    // The message of a token minter may quote the key it could not use.
    throw failure('facilitator_error', `httpFacilitator: the headers function failed for /${endpoint}.`, endpoint, { error: snippet(messageOf(error)) }, error)
  }
}

/**
 * The caller's headers, `accept: application/json` unless they set one, and the JSON content type of a body: a
 * new plain record per request (a custom fetch may add to what it is given).
 */
function requestHeaders(userHeaders: Headers | undefined, post: boolean): Record<string, string> {
  const out: Record<string, string> = { accept: 'application/json' }
  userHeaders?.forEach((value, name) => {
    out[name] = value
  })
  if (post) out['content-type'] = 'application/json'
  return out
}

/** Requests `${base}/${endpoint}`, following at most a few safe redirects; returns the first non-redirect answer. */
async function send(
  settings: ResolvedHttpOptions,
  call: Pick<FacilitatorCall<unknown>, 'endpoint' | 'body' | 'signal'>,
  own: AbortSignal,
  userHeaders: Headers | undefined,
): Promise<Response> {
  const { endpoint, body, signal } = call
  const method = body === undefined ? 'GET' : 'POST'
  const first = `${settings.base}/${endpoint}`
  const visited = [first]
  let url = first
  for (;;) {
    // Credentials were given for the configured origin: they do not follow a redirect elsewhere.
    const headers = requestHeaders(url === first || sameOrigin(url, first) ? userHeaders : undefined, body !== undefined)
    const init: RequestInit = { method, headers, redirect: 'manual', signal: own }
    if (body !== undefined) init.body = body
    let response: Response
    try {
      response = await abortable(settings.fetch(url, init), own, () => abortError(signal, endpoint))
    } catch (error) {
      if (isTollgateError(error)) throw error
      if (signal.aborted) throw abortError(signal, endpoint)
      throw failure('facilitator_error', `The facilitator could not be reached for /${endpoint}.`, endpoint, { error: messageOf(error) }, error)
    }
    if (response.type === 'opaqueredirect') {
      const message = `The facilitator redirected /${endpoint}, and this runtime hides where to (use the final URL as \`url\`).`
      throw failure('facilitator_error', message, endpoint)
    }
    if (!isRedirect(response.status)) return response
    response.body?.cancel().catch(() => {})
    url = redirectTarget(endpoint, method, url, response.status, response.headers.get('location'), visited)
    visited.push(url)
  }
}

/** The answer's text, at most MAX_ANSWER_BYTES of it; `own` stops the read, errors are `signal`'s. */
async function readText(response: Response, endpoint: FacilitatorEndpoint, signal: AbortSignal, own: AbortSignal): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const stop = () => reader.cancel().catch(() => {})
  own.addEventListener('abort', stop, { once: true })
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await abortable(reader.read(), own, () => abortError(signal, endpoint))
      if (done) break
      size += value.byteLength
      if (size > MAX_ANSWER_BYTES) {
        stop()
        throw failure('facilitator_bad_response', `The facilitator's answer to /${endpoint} is larger than ${MAX_ANSWER_BYTES} bytes.`, endpoint)
      }
      chunks.push(value)
    }
  } catch (error) {
    if (isTollgateError(error)) throw error
    if (signal.aborted) throw abortError(signal, endpoint)
    throw failure('facilitator_error', `The connection broke while reading the answer to /${endpoint}.`, endpoint, { error: messageOf(error) }, error)
  } finally {
    own.removeEventListener('abort', stop)
  }
  // A Blob joins the chunks and decodes them as UTF-8 (as TextDecoder does): shorter than copying them one by one.
  return new Blob(chunks as Uint8Array<ArrayBuffer>[]).text()
}

function interpret<T>(call: FacilitatorCall<T>, status: number, text: string, secrets: () => readonly string[]): T {
  const { endpoint, schema } = call
  const excerpt = () => snippet(text, secrets())
  if (status >= 200 && status < 300) {
    const json = parseJson(text)
    if (json === undefined) {
      const details = { facilitatorStatus: status, body: excerpt() }
      throw failure('facilitator_bad_response', `The facilitator answered /${endpoint} with something that is not JSON.`, endpoint, details)
    }
    const problem = firstProblem(schema, json)
    if (problem === undefined) return json as T // the object as sent: unknown keys (an agentRequestId) ride along
    const { path, expected } = problem
    const where = path ? ` at ${path}` : ''
    const message = `The facilitator answered /${endpoint} with JSON of the wrong shape${where}: expected ${expected}.`
    throw failure('facilitator_bad_response', message, endpoint, { facilitatorStatus: status, path, body: excerpt() })
  }
  const clientError = status >= 400 && status < 500
  if ((clientError && call.refusal) || call.whatever) {
    const json = parseJson(text)
    if (json !== undefined && firstProblem(schema, json) === undefined) {
      if ((clientError && call.refusal?.(json as T)) || call.whatever?.(json as T)) return json as T
    }
  }
  throw failure('facilitator_error', `The facilitator answered /${endpoint} with HTTP ${status}.`, endpoint, { facilitatorStatus: status, body: excerpt() })
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** The error for a call its signal gave up on: the signal's own TollgateError (the engine's deadline), else a timeout. */
export function abortError(signal: AbortSignal, endpoint: FacilitatorEndpoint): TollgateError {
  const reason: unknown = signal.reason
  if (isTollgateError(reason)) return reason
  return failure('facilitator_timeout', `The call to /${endpoint} was aborted before the facilitator answered.`, endpoint, {}, reason)
}

/** Every error names the endpoint, as `step` too: the engine's own errors use that key. */
function failure(code: ErrorCode, message: string, endpoint: FacilitatorEndpoint, details: TollgateErrorDetails = {}, cause?: unknown): TollgateError {
  return new TollgateError(code, message, { step: endpoint, endpoint, ...details }, cause === undefined ? undefined : { cause })
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  // Node's fetch says "fetch failed" and keeps the useful part (ECONNREFUSED ...) in `cause`.
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
}
