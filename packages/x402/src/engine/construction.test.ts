// Building a paywall does no I/O, sets no timer and draws no random value: Cloudflare Workers refuse all three in
// global scope, where apps build their paywalls (`app.use('/weather', paywall({...}))`). The first paid request may.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { httpFacilitator } from '../facilitator/http.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { payFor, paidRequest, unpaidRequest } from '../testing/requests.js'
import { createPaywall } from './paywall.js'
import { BUYER, USDC_BASE_SEPOLIA, usdcOption } from './test-setup.js'

describe('createPaywall in global scope', () => {
  afterEach(() => vi.restoreAllMocks())

  it('draws no random value, sets no timer and fetches nothing until a request comes', () => {
    const random = vi.spyOn(crypto, 'getRandomValues')
    const uuid = vi.spyOn(crypto, 'randomUUID')
    const timer = vi.spyOn(globalThis, 'setTimeout')
    const interval = vi.spyOn(globalThis, 'setInterval')
    const fetching = vi.spyOn(globalThis, 'fetch')
    createPaywall({ facilitator: createTestFacilitator(), routes: { 'GET /weather': usdcOption } })
    createPaywall({ facilitator: httpFacilitator({ url: 'https://facilitator.example' }), routes: { '/ask': usdcOption } })
    for (const spy of [random, uuid, timer, interval, fetching]) expect(spy).not.toHaveBeenCalled()
  })

  it('draws its lock owner once, on the first single-use payment, and keeps it', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(BUYER, 100_000, { asset: USDC_BASE_SEPOLIA })
    const paywall = createPaywall({ facilitator, routes: { 'GET /weather': usdcOption } })
    const handler = paywall.protect(() => new Response('sunny'))
    const random = vi.spyOn(crypto, 'getRandomValues')
    for (let i = 0; i < 2; i++) {
      const token = await payFor(await handler(unpaidRequest('/weather')), facilitator, { payer: BUYER })
      expect((await handler(paidRequest('/weather', token))).status).toBe(200)
    }
    // (The test facilitator draws its transaction hashes as bytes; the lock owner is two 32-bit words.)
    expect(random.mock.calls.filter(([array]) => array instanceof Uint32Array)).toHaveLength(1)
  })
})
