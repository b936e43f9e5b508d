import { describe, expect, it } from 'vitest'
import { TollgateError } from '../errors.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { createPaywall } from './paywall.js'
import { ANY_ROUTE, toPaywallOptions } from './single-route.js'
import { usdcOption } from './test-setup.js'

describe('toPaywallOptions', () => {
  const facilitator = createTestFacilitator()

  it('turns one route inline into a route that matches every path, keeping the policies', () => {
    const options = toPaywallOptions({ facilitator, accepts: usdcOption, description: 'Weather', verifyTimeoutMs: 500 })
    expect(options.routes).toEqual({ [ANY_ROUTE]: { accepts: usdcOption, description: 'Weather' } })
    expect(options.verifyTimeoutMs).toBe(500)
    expect(options.facilitator).toBe(facilitator)
  })

  it('charges any path and method the adapter hands over, and lets OPTIONS pass', async () => {
    const paywall = createPaywall(toPaywallOptions({ facilitator, accepts: usdcOption }))
    for (const [method, path] of [['GET', '/'], ['POST', '/a/b/c'], ['DELETE', '/x']]) {
      expect((await paywall.check(new Request(`http://localhost${path}`, { method }))).kind).toBe('respond')
    }
    expect((await paywall.check(new Request('http://localhost/a', { method: 'OPTIONS' }))).kind).toBe('free')
  })

  it('passes a routes map through untouched', () => {
    const options = { facilitator, routes: { 'GET /a': usdcOption } }
    expect(toPaywallOptions(options)).toBe(options)
  })

  it.each([
    ['neither accepts nor routes', { facilitator }],
    ['both accepts and routes', { facilitator, accepts: usdcOption, routes: { '/a': usdcOption } }],
  ])('fails fast with invalid_options given %s', (_name, options) => {
    const error = (() => {
      try {
        toPaywallOptions(options as never)
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(TollgateError)
    expect((error as TollgateError).code).toBe('invalid_options')
    expect((error as TollgateError).details.path).toBe('accepts')
  })
})
