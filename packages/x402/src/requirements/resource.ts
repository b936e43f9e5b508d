// The one URL that names a paid resource. The 402, verify and settle must all use the same one, because
// single-use tokens bind it; so it is built once, from parts that a client cannot forge unless allowed.
import { TollgateError } from '../errors.js'

export interface CanonicalUrlOptions {
  /** Read X-Forwarded-Proto / X-Forwarded-Host (only behind a proxy that sets them). Default false. */
  trustProxy?: boolean
  /** The public origin, with an optional path prefix (`https://api.example.com/v1`); wins over everything. */
  baseUrl?: string
  /** The resource's path (the request's pathname, usually). Query and fragment are dropped. */
  path: string
}

const PORT = '(?::(\\d{1,5}))?'
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const HOST_NAME = new RegExp(`^(${LABEL}(?:\\.${LABEL})*)${PORT}$`)
const HOST_IPV6 = new RegExp(`^(\\[[0-9A-Fa-f:.]+\\])${PORT}$`)

/** origin + normalised path, without query or fragment. */
export function canonicalResourceUrl(request: Request, options: CanonicalUrlOptions): string {
  if (typeof options.path !== 'string') {
    throw new TollgateError('invalid_options', `The resource path must be a string, got ${typeof options.path}.`, { path: 'path', expected: 'a path such as /premium' })
  }
  return resourceUrl(request, options)
}

/** canonicalResourceUrl for a path known to be a string (the paywall's, read from the request URL). */
export function resourceUrl(request: Request, options: CanonicalUrlOptions): string {
  const path = normalisePath(options.path)
  if (options.baseUrl !== undefined) return joinBase(options.baseUrl, path)
  const url = new URL(request.url)
  let protocol = url.protocol
  let host = url.host
  if (options.trustProxy === true) {
    protocol = forwardedProto(request.headers) ?? protocol
    host = forwardedHost(request.headers) ?? host
  }
  return (originOf(protocol, host) ?? url.origin) + path
}

function originOf(protocol: string, host: string): string | undefined {
  try {
    const origin = new URL(`${protocol}//${host}`).origin
    // Schemes with no web origin (`mcp://tool/search`, the x402 MCP transport's tool URLs) keep scheme and host.
    return origin === 'null' && host !== '' ? `${protocol}//${host.toLowerCase()}` : origin
  } catch {
    return undefined
  }
}

/** Query and fragment off, one leading slash, no empty segments, dot segments resolved, percent-encoded. */
function normalisePath(path: string): string {
  const bare = (path.split(/[?#]/, 1)[0] ?? '').replace(/\\/g, '/')
  const collapsed = `/${bare}`.replace(/\/{2,}/g, '/')
  // A fixed origin, so only the path is parsed: `//evil.example` cannot turn into a host here.
  return new URL(collapsed, 'http://resource.invalid').pathname
}

function joinBase(baseUrl: string, path: string): string {
  const base = checkBaseUrl(baseUrl)
  const prefix = base.pathname.replace(/\/+$/, '')
  return base.origin + (prefix + path).replace(/\/{2,}/g, '/')
}

/** `baseUrl` parsed, or the error saying it must be an absolute http(s) URL (createPaywall checks it with this too). */
export function checkBaseUrl(baseUrl: string): URL {
  let base: URL
  try {
    base = new URL(baseUrl)
  } catch {
    throw invalidBaseUrl(baseUrl)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw invalidBaseUrl(baseUrl)
  return base
}

function invalidBaseUrl(baseUrl: string): TollgateError {
  return new TollgateError('invalid_options', `baseUrl must be an absolute http(s) URL, got ${JSON.stringify(baseUrl)}.`, {
    path: 'baseUrl',
    expected: 'an absolute http(s) URL such as https://api.example.com',
  })
}

function firstValue(headers: Headers, name: string): string | undefined {
  const value = headers.get(name)
  if (value === null) return undefined
  return value.split(',', 1)[0]?.trim()
}

function forwardedProto(headers: Headers): string | undefined {
  const proto = firstValue(headers, 'x-forwarded-proto')?.toLowerCase()
  return proto === 'http' || proto === 'https' ? `${proto}:` : undefined
}

function forwardedHost(headers: Headers): string | undefined {
  const host = firstValue(headers, 'x-forwarded-host')
  if (host === undefined || host.length > 261) return undefined
  const match = HOST_NAME.exec(host) ?? HOST_IPV6.exec(host)
  if (!match) return undefined
  const port = match[2]
  if (port !== undefined && Number(port) > 65535) return undefined
  try {
    new URL(`http://${host}`) // the last word on what a host is (`[::1::2]` passes the pattern, not this)
  } catch {
    return undefined
  }
  return host.toLowerCase()
}
