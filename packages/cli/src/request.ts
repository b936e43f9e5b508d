// The request the user described with curl-like flags: -X METHOD, -H 'Name: value' (repeatable), -d body.
export interface RequestFlags {
  method?: string
  header?: string[]
  data?: string
}

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export function buildRequestInit(flags: RequestFlags): RequestInit {
  const headers = new Headers()
  for (const line of flags.header ?? []) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new UsageError(`-H expects "Name: value", got ${JSON.stringify(line)}.`)
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  const method = (flags.method ?? (flags.data !== undefined ? 'POST' : 'GET')).toUpperCase()
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`-X expects an HTTP method, got ${JSON.stringify(flags.method)}.`)
  if (flags.data !== undefined && (method === 'GET' || method === 'HEAD')) throw new UsageError(`-d sends a body, which ${method} cannot carry; add -X POST.`)
  const init: RequestInit = { method, headers }
  if (flags.data !== undefined) {
    init.body = flags.data
    if (!headers.has('content-type')) headers.set('content-type', looksLikeJson(flags.data) ? 'application/json' : 'text/plain;charset=UTF-8')
  }
  return init
}

export function checkUrl(value: string | undefined): string {
  if (value === undefined) throw new UsageError('Missing the URL.')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`Not a URL: ${JSON.stringify(value)} (give it with http:// or https://).`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`Only http and https URLs can be fetched, got ${url.protocol}`)
  return url.href
}

function looksLikeJson(text: string): boolean {
  const start = text.trimStart()[0]
  if (start !== '{' && start !== '[') return false
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
