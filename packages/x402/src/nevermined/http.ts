// One call to Nevermined's backend (a POST, or the GET of a plan): the headers it wants, and the answer sorted
// into a JSON body (2xx), an error body `{ code, message, hint }` (anything else), or a TollgateError when there was
// no answer at all.
import { TollgateError, isTollgateError } from '../errors.js'
import { redact } from './redact.js'

/** The API version Nevermined's payments SDK 1.x announces on every call. */
export const NEVERMINED_API_VERSION = '1.1'

/** The body of a non-2xx answer. */
export interface NvmErrorBody {
  code?: string
  message?: string
  hint?: string
}

export type BackendReply = { ok: true; status: number; json: unknown } | { ok: false; status: number; error: NvmErrorBody }

/** Headers sent on every call besides the key: the API version pinned, and the organisation acted for. */
export interface CallHeaders {
  /** `Nevermined-Version`; default {@link NEVERMINED_API_VERSION}. */
  apiVersion?: string
  /** `X-Current-Org-Id`: the organisation the key acts for, when it belongs to several. */
  orgId?: string
}

export interface PostOptions extends CallHeaders {
  fetch: typeof fetch
  url: string
  /** Sent as `Authorization: Bearer <apiKey>`; left out for public reads (GET of a plan). */
  apiKey: string | undefined
  /** JSON body; a GET has none. */
  body?: unknown
  /** Default POST. */
  method?: 'POST' | 'GET'
  signal: AbortSignal
  /** For messages: `verify`, `settle`, `access token`. */
  step: string
  /** Values that must never appear in an error message (the key, the token). */
  secrets: readonly string[]
  /** A deadline of our own, in ms, on top of `signal`. */
  timeoutMs?: number
}

/** A failure with no HTTP answer (DNS, refused connection, reset): the one kind a verify may retry. */
export function isNetworkFailure(error: unknown): boolean {
  return isTollgateError(error) && error.details.failure === 'network'
}

export async function postJson(options: PostOptions): Promise<BackendReply> {
  const { step, secrets } = options
  const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs)
  const signal = timeout === undefined ? options.signal : AbortSignal.any([options.signal, timeout])
  if (signal.aborted) throw aborted(options, timeout)
  let response: Response
  let text: string
  try {
    const method = options.method ?? 'POST'
    response = await options.fetch(options.url, {
      method,
      headers: headersFor(options),
      ...(method === 'POST' ? { body: JSON.stringify(options.body) } : {}),
      signal,
      // A backend that redirects is misconfigured; following it could send the key elsewhere.
      redirect: 'error',
    })
    text = await response.text()
  } catch (cause) {
    if (signal.aborted) throw aborted(options, timeout)
    const what = cause instanceof Error ? cause.message : String(cause)
    throw new TollgateError(
      'facilitator_error',
      `Nevermined ${step}: no answer from the backend (${redact(what, secrets)}).`,
      { step, failure: 'network' },
      { cause },
    )
  }
  if (response.ok) {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new TollgateError('facilitator_bad_response', `Nevermined ${step}: HTTP ${response.status} with a body that is not JSON.`, {
        step,
        status: response.status,
        expected: 'a JSON object',
      })
    }
    return { ok: true, status: response.status, json }
  }
  return { ok: false, status: response.status, error: errorBody(text, secrets) }
}

function headersFor(options: PostOptions): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Nevermined-Version': options.apiVersion ?? NEVERMINED_API_VERSION }
  if (options.apiKey !== undefined) headers.Authorization = `Bearer ${options.apiKey}`
  if (options.method !== 'GET') headers['Content-Type'] = 'application/json'
  if (options.orgId !== undefined) headers['X-Current-Org-Id'] = options.orgId
  return headers
}

function errorBody(text: string, secrets: readonly string[]): NvmErrorBody {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return {}
  }
  if (typeof parsed !== 'object' || parsed === null) return {}
  const { code, message, hint } = parsed as Record<string, unknown>
  const body: NvmErrorBody = {}
  if (typeof code === 'string' && code !== '') body.code = redact(code, secrets)
  // NestJS-style bodies may carry a list of validation messages.
  const text0 = Array.isArray(message) ? message.filter((m) => typeof m === 'string').join('; ') : message
  if (typeof text0 === 'string' && text0 !== '') body.message = redact(text0, secrets)
  if (typeof hint === 'string' && hint !== '') body.hint = redact(hint, secrets)
  return body
}

function aborted(options: PostOptions, timeout: AbortSignal | undefined): TollgateError {
  const { step } = options
  if (timeout?.aborted && !options.signal.aborted) {
    return new TollgateError('facilitator_timeout', `Nevermined ${step}: no answer within ${options.timeoutMs} ms.`, {
      step,
      timeoutMs: options.timeoutMs,
    })
  }
  const reason: unknown = options.signal.reason
  // The engine aborts with its own facilitator_timeout: keep it.
  if (isTollgateError(reason)) return reason
  return new TollgateError('facilitator_error', `Nevermined ${step}: the call was aborted.`, { step, failure: 'aborted' }, { cause: reason })
}
