// Options of httpFacilitator, checked once at construction so that a typo fails at start-up, not on the first
// paid request.
import { TollgateError } from '../errors.js'

/** The three endpoints of the standard x402 facilitator API. */
export type FacilitatorEndpoint = 'verify' | 'settle' | 'supported'

/** Headers for every call, or a function called before each call (to mint a short-lived token per endpoint). */
export type FacilitatorHeaders = HeadersInit | ((endpoint: FacilitatorEndpoint) => HeadersInit | Promise<HeadersInit>)

/** The part of `fetch` the facilitator uses; the global `fetch` fits. */
export type FacilitatorFetch = (input: string, init: RequestInit) => Promise<Response>

export interface HttpFacilitatorOptions {
  /** The facilitator's base URL, absolute http(s): `https://x402.org/facilitator`. A trailing slash is fine. */
  url: string | URL
  /** Sent with every call (auth). A function is called once per call with the endpoint it is for. */
  headers?: FacilitatorHeaders
  /** Replaces the global `fetch` (a proxy agent, a test double). */
  fetch?: FacilitatorFetch
  /** Deadline of one `GET /supported`, in ms. Default 5 000. (verify and settle use the paywall's deadlines.) */
  supportedTimeoutMs?: number
  /** How long a `/supported` answer is fresh, in ms. Default 600 000 (10 minutes). */
  supportedTtlMs?: number
}

export interface ResolvedHttpOptions {
  /** Origin and path, without a trailing slash: endpoints are `${base}/verify`. */
  base: string
  headers: FacilitatorHeaders | undefined
  fetch: FacilitatorFetch
  supportedTimeoutMs: number
  supportedTtlMs: number
}

export const HTTP_DEFAULTS = {
  supportedTimeoutMs: 5_000,
  supportedTtlMs: 10 * 60_000,
} as const

export function resolveHttpOptions(options: HttpFacilitatorOptions): ResolvedHttpOptions {
  if (typeof options !== 'object' || options === null) invalid('options', '{ url, headers?, fetch? }')
  const { fetch: customFetch } = options
  if (customFetch !== undefined && typeof customFetch !== 'function') invalid('fetch', 'a fetch-compatible function')
  return {
    base: resolveBase(options.url),
    headers: checkHeaders(options.headers),
    // Looked up per call, so that a fetch patched after construction (test mocks) is the one used.
    fetch: customFetch ?? ((input, init) => globalThis.fetch(input, init)),
    supportedTimeoutMs: positive('supportedTimeoutMs', options.supportedTimeoutMs, HTTP_DEFAULTS.supportedTimeoutMs),
    supportedTtlMs: nonNegative('supportedTtlMs', options.supportedTtlMs, HTTP_DEFAULTS.supportedTtlMs),
  }
}

function resolveBase(value: unknown): string {
  const expected = 'an absolute http(s) URL such as "https://x402.org/facilitator"'
  if (typeof value !== 'string' && !(value instanceof URL)) invalid('url', expected)
  let url: URL
  try {
    url = new URL(String(value))
  } catch {
    invalid('url', expected)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') invalid('url', expected)
  // fetch refuses URLs with credentials, and a query would end up before /verify: both belong in `headers`.
  if (url.username !== '' || url.password !== '') invalid('url', 'a URL without user:password (pass credentials in `headers`)')
  if (url.search !== '' || url.hash !== '') invalid('url', 'a URL without ?query or #fragment (pass credentials in `headers`)')
  return url.origin + url.pathname.replace(/\/+$/, '')
}

function checkHeaders(value: unknown): FacilitatorHeaders | undefined {
  if (value === undefined || typeof value === 'function') return value as FacilitatorHeaders | undefined
  const expected = 'a headers object ({ Authorization: "Bearer ..." }) or a function (endpoint) => headers'
  if (typeof value !== 'object' || value === null) invalid('headers', expected)
  try {
    new Headers(value as HeadersInit)
  } catch {
    invalid('headers', expected)
  }
  return value as HeadersInit
}

function positive(path: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) invalid(path, 'a positive finite number of ms')
  return value
}

function nonNegative(path: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) invalid(path, 'a finite number of ms >= 0')
  return value
}

function invalid(path: string, expected: string): never {
  throw new TollgateError('invalid_options', `httpFacilitator: option "${path}" is invalid; expected ${expected}.`, { path, expected })
}
