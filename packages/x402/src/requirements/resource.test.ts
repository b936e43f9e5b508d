import { describe, it, expect } from 'vitest'
import { TollgateError } from '../errors.js'
import { canonicalResourceUrl } from './resource.js'

function req(url: string, headers: Record<string, string> = {}): Request {
  return new Request(url, { headers })
}
const PROXIED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' }

describe('canonicalResourceUrl', () => {
  it('is the request origin and the path, without query or fragment', () => {
    expect(canonicalResourceUrl(req('http://localhost:3000/premium?x=1'), { path: '/premium?x=1#top' })).toBe('http://localhost:3000/premium')
  })

  it('normalises the path', () => {
    const request = req('https://api.example.com/')
    expect(canonicalResourceUrl(request, { path: 'premium' })).toBe('https://api.example.com/premium')
    expect(canonicalResourceUrl(request, { path: '//a///b' })).toBe('https://api.example.com/a/b')
    expect(canonicalResourceUrl(request, { path: '/a/./b/../c' })).toBe('https://api.example.com/a/c')
    expect(canonicalResourceUrl(request, { path: '/caf\u00e9 menu' })).toBe('https://api.example.com/caf%C3%A9%20menu')
    expect(canonicalResourceUrl(request, { path: '' })).toBe('https://api.example.com/')
  })

  it('cannot be turned into another host by the path', () => {
    expect(canonicalResourceUrl(req('https://api.example.com/'), { path: '//evil.example/x' })).toBe('https://api.example.com/evil.example/x')
  })

  it('ignores forwarded headers unless the proxy is trusted', () => {
    const request = req('http://10.0.0.5:8080/premium', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' })
    expect(canonicalResourceUrl(request, { path: '/premium' })).toBe('http://10.0.0.5:8080/premium')
    expect(canonicalResourceUrl(request, { path: '/premium', trustProxy: false })).toBe('http://10.0.0.5:8080/premium')
  })

  it('uses the first forwarded values behind a trusted proxy', () => {
    const request = req('http://10.0.0.5:8080/premium', {
      'x-forwarded-proto': 'https, http',
      'x-forwarded-host': 'API.example.com, internal:8080',
    })
    expect(canonicalResourceUrl(request, { path: '/premium', trustProxy: true })).toBe('https://api.example.com/premium')
  })

  it('keeps a forwarded port, dropping a default one', () => {
    expect(canonicalResourceUrl(req('http://10.0.0.5/', { ...PROXIED, 'x-forwarded-host': 'api.example.com:8443' }), { path: '/a', trustProxy: true })).toBe(
      'https://api.example.com:8443/a',
    )
    expect(canonicalResourceUrl(req('http://10.0.0.5/', { ...PROXIED, 'x-forwarded-host': 'api.example.com:443' }), { path: '/a', trustProxy: true })).toBe(
      'https://api.example.com/a',
    )
    expect(canonicalResourceUrl(req('http://10.0.0.5/', { ...PROXIED, 'x-forwarded-host': '[::1]:8443' }), { path: '/a', trustProxy: true })).toBe(
      'https://[::1]:8443/a',
    )
  })

  it.each([
    ['a non-http proto', { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'api.example.com' }, 'http://api.example.com/a'],
    ['a host with a path', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example/x' }, 'https://10.0.0.5/a'],
    ['a host with credentials', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'user@evil.example' }, 'https://10.0.0.5/a'],
    ['a host with a bad port', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com:99999' }, 'https://10.0.0.5/a'],
    ['an empty host', { 'x-forwarded-proto': 'https', 'x-forwarded-host': '' }, 'https://10.0.0.5/a'],
    ['a malformed IPv6 host', { 'x-forwarded-proto': 'https', 'x-forwarded-host': '[::1::2]' }, 'https://10.0.0.5/a'],
  ])('ignores %s, keeping the rest', (_label, headers, expected) => {
    expect(canonicalResourceUrl(req('http://10.0.0.5/a', headers), { path: '/a', trustProxy: true })).toBe(expected)
  })

  it('keeps the scheme and host of a URL with no web origin (the MCP transport\'s mcp://tool/<name>)', () => {
    expect(canonicalResourceUrl(req('mcp://tool/search?x=1'), { path: '/search' })).toBe('mcp://tool/search')
    expect(canonicalResourceUrl(req('mcp://Tool/web%20search'), { path: '/web%20search' })).toBe('mcp://tool/web%20search')
  })

  it('lets baseUrl win, joining without double slashes', () => {
    const request = req('http://10.0.0.5/a', PROXIED)
    expect(canonicalResourceUrl(request, { path: '/a', baseUrl: 'https://pay.example.com', trustProxy: true })).toBe('https://pay.example.com/a')
    expect(canonicalResourceUrl(request, { path: '/a', baseUrl: 'https://pay.example.com/' })).toBe('https://pay.example.com/a')
    expect(canonicalResourceUrl(request, { path: '/a', baseUrl: 'https://pay.example.com/v1/' })).toBe('https://pay.example.com/v1/a')
    expect(canonicalResourceUrl(request, { path: 'a', baseUrl: 'https://pay.example.com/v1?q=1' })).toBe('https://pay.example.com/v1/a')
  })

  it('refuses a baseUrl that is not an absolute http(s) URL', () => {
    for (const baseUrl of ['pay.example.com', '/v1', 'ftp://pay.example.com']) {
      let caught: unknown
      try {
        canonicalResourceUrl(req('http://10.0.0.5/a'), { path: '/a', baseUrl })
      } catch (error) {
        caught = error
      }
      expect((caught as TollgateError).code).toBe('invalid_options')
    }
  })
})
