import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { headersOf, toFetchRequest } from './fetch.js'

/** The parts of an IncomingMessage the conversion reads. */
function incoming(fields: { url?: string; originalUrl?: string; rawHeaders: string[]; encrypted?: boolean; method?: string }): IncomingMessage {
  const headers: Record<string, string> = {}
  for (let i = 0; i < fields.rawHeaders.length; i += 2) headers[fields.rawHeaders[i]!.toLowerCase()] = fields.rawHeaders[i + 1]!
  return { method: fields.method ?? 'GET', url: fields.url, originalUrl: fields.originalUrl, rawHeaders: fields.rawHeaders, headers, socket: { encrypted: fields.encrypted } } as unknown as IncomingMessage
}

describe('toFetchRequest (shared by the node:http adapters)', () => {
  it('keeps method, the whole URL and every header, and leaves HTTP/2 pseudo-headers out', () => {
    const request = toFetchRequest(
      incoming({ method: 'POST', url: '/b?x=1', originalUrl: '/api/b?x=1', rawHeaders: [':path', '/b', 'Host', 'shop.example', 'X-Tag', 'a', 'X-Tag', 'b'] }),
    )
    expect(request.method).toBe('POST')
    expect(request.url).toBe('http://shop.example/api/b?x=1')
    expect(request.headers.get('x-tag')).toBe('a, b')
    expect([...request.headers.keys()]).toEqual(['host', 'x-tag'])
  })

  it('takes the protocol from the socket, or from the framework when it knows better, and the signal it is given', () => {
    expect(toFetchRequest(incoming({ url: '/', rawHeaders: ['host', 'a.example'], encrypted: true })).url).toBe('https://a.example/')
    const controller = new AbortController()
    const request = toFetchRequest(incoming({ url: '/p', rawHeaders: ['host', 'a.example'] }), { protocol: 'https', signal: controller.signal })
    expect(request.url).toBe('https://a.example/p')
    controller.abort()
    expect(request.signal.aborted).toBe(true)
  })
})

describe('headersOf', () => {
  it('turns what a response has set into Headers, one entry per list item', () => {
    const headers = headersOf({ getHeaders: () => ({ 'content-type': 'text/plain', 'content-length': 5, 'set-cookie': ['a=1', 'b=2'], 'x-none': undefined }) })
    expect(headers.get('content-type')).toBe('text/plain')
    expect(headers.get('content-length')).toBe('5')
    expect(headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(headers.has('x-none')).toBe(false)
  })
})
