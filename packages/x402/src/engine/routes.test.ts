import { describe, expect, it } from 'vitest'
import { usdcOption } from './test-setup.js'
import { compileRoutes, matchRoute } from './routes.js'
import { pathForms } from './paths.js'

const routes = compileRoutes({
  'GET /premium': usdcOption,
  'POST /users/:id/report': usdcOption,
  '/api/*': usdcOption,
  'GET /files/*.pdf': usdcOption,
  'PUT /a/*/b': usdcOption,
})
const match = (method: string, path: string) => matchRoute(routes, method, path)?.key

describe('route matching', () => {
  it('matches method and path; a bare path matches any method; HEAD matches GET', () => {
    expect(match('GET', '/premium')).toBe('GET /premium')
    expect(match('HEAD', '/premium')).toBe('GET /premium')
    expect(match('POST', '/premium')).toBeUndefined()
    expect(match('DELETE', '/api/x')).toBe('/api/*')
  })

  it('supports :param and * (rest, one segment, inside a segment)', () => {
    expect(match('POST', '/users/42/report')).toBe('POST /users/:id/report')
    expect(match('POST', '/users/42/43/report')).toBeUndefined()
    expect(match('GET', '/api')).toBe('/api/*')
    expect(match('GET', '/api/v1/deep/path')).toBe('/api/*')
    expect(match('GET', '/apix')).toBeUndefined()
    expect(match('GET', '/files/report.pdf')).toBe('GET /files/*.pdf')
    expect(match('GET', '/files/report.txt')).toBeUndefined()
    expect(match('PUT', '/a/x/b')).toBe('PUT /a/*/b')
    expect(match('PUT', '/a/x/y/b')).toBeUndefined()
  })

  it('first match wins', () => {
    const ordered = compileRoutes({ 'GET /x/special': usdcOption, 'GET /x/:id': usdcOption })
    expect(matchRoute(ordered, 'GET', '/x/special')?.key).toBe('GET /x/special')
    expect(matchRoute(ordered, 'GET', '/x/other')?.key).toBe('GET /x/:id')
  })

  it.each([
    '/premium/',
    '//premium',
    '/premium//',
    '/PREMIUM',
    '/Premium',
    '/%70remium',
    '/%2570remium',
    '/free/../premium',
    '/free/%2e%2e/premium',
    '/free/..%2Fpremium',
    '/./premium',
    '/free%2F..%2Fpremium',
    '/%zz%2F..%2Fpremium',
    '/x%C3%2F..%2Fpremium',
  ])('no crafted path skips a paid route: %s', (path) => {
    // What a framework routes by: the URL parser's pathname of the raw request target.
    const pathname = new URL(`http://host${path}`).pathname
    expect(match('GET', pathname)).toBe('GET /premium')
  })

  it('leaves other paths alone', () => {
    expect(match('GET', '/premium-free')).toBeUndefined()
    expect(match('GET', '/pre/mium')).toBeUndefined()
    expect(match('GET', '/%ZZpremium')).toBeUndefined()
  })

  it('keeps ordinary paths cheap: one form, untouched', () => {
    expect(pathForms('/users/42/report')).toEqual(['/users/42/report'])
  })
})
