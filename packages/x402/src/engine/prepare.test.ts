// A route whose price does not depend on the request has its 402 computed once, not per request.
import { describe, expect, it, vi } from 'vitest'
import { unpaidRequest } from '../testing/requests.js'
import { exact } from '../requirements/options.js'
import * as build from '../requirements/build.js'
import { createPaywall } from './paywall.js'
import { ORIGIN, PAY_TO, usdcOption } from './test-setup.js'

vi.mock('../requirements/build.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../requirements/build.js')>()
  // Each route below has one offer: its requirements are built once per 402 built.
  return { ...original, buildRequirements: vi.fn(original.buildRequirements) }
})
const facilitator = { verify: vi.fn(), settle: vi.fn() }

describe('prepared 402s', () => {
  it('a fixed price is built once per resource and then served from memory', async () => {
    const spy = vi.mocked(build.buildRequirements)
    spy.mockClear()
    const app = createPaywall({ routes: { 'GET /fixed/:id': usdcOption }, facilitator }).protect(() => new Response())
    const first = await app(unpaidRequest(`${ORIGIN}/fixed/1`))
    const again = await app(unpaidRequest(`${ORIGIN}/fixed/1`))
    expect(first.headers.get('PAYMENT-REQUIRED')).toBe(again.headers.get('PAYMENT-REQUIRED'))
    expect(spy).toHaveBeenCalledTimes(1)
    await app(unpaidRequest(`${ORIGIN}/fixed/2`)) // another resource URL: its own 402
    expect(spy).toHaveBeenCalledTimes(2)
  })

  it('a price that depends on the request is built per request', async () => {
    const spy = vi.mocked(build.buildRequirements)
    spy.mockClear()
    const perSize = exact({ amount: (request) => request.headers.get('x-size') ?? '1', network: 'base-sepolia', payTo: PAY_TO })
    const app = createPaywall({ routes: { 'GET /sized': perSize }, facilitator }).protect(() => new Response())
    await app(unpaidRequest(`${ORIGIN}/sized`, { headers: { 'x-size': '5' } }))
    await app(unpaidRequest(`${ORIGIN}/sized`, { headers: { 'x-size': '5' } }))
    expect(spy).toHaveBeenCalledTimes(2)
  })
})
