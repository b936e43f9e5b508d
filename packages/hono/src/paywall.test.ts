// The Hono middleware without a server: options, both forms, the typed context, and the headers it keeps.
import { describe, expect, it } from 'vitest'
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { createTestFacilitator, payFor, readReceipt } from '@tollgate/x402/testing'
import { TollgateError, exact, paywall, type PaywallEnv } from './index.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })

function setup() {
  const facilitator = createTestFacilitator()
  facilitator.fund(BUYER, 1_000_000, { asset: USDC })
  return facilitator
}

describe('paywall() for Hono', () => {
  it('fails at construction on bad options', () => {
    const facilitator = setup()
    expect(() => paywall({ facilitator } as never)).toThrow(TollgateError)
    expect(() => paywall({ facilitator, accepts: usdc, routes: { '/a': usdc } } as never)).toThrow(/not both/)
    expect(() => paywall({ accepts: usdc } as never)).toThrow(/facilitator/)
  })

  it('guards only the route it is mounted on, and hands the handler a typed payment context', async () => {
    const facilitator = setup()
    const app = new Hono<PaywallEnv>()
    app.get('/paid', paywall({ facilitator, accepts: usdc }), (c) => c.json({ payer: c.get('payment').payment?.payer }))
    app.get('/free', (c) => c.text(String(c.get('payment'))))
    expect((await app.request('/free')).status).toBe(200)
    const unpaid = await app.request('/paid')
    expect(unpaid.status).toBe(402)
    const paid = await app.request('/paid', { headers: { 'PAYMENT-SIGNATURE': await payFor(unpaid, facilitator, { payer: BUYER }) } })
    expect(await paid.json()).toEqual({ payer: BUYER })
    expect(readReceipt(paid)).toMatchObject({ success: true })
  })

  it('keeps the CORS headers of earlier middleware on its 402', async () => {
    const facilitator = setup()
    const app = new Hono()
    app.use(cors({ origin: 'https://shop.example' }))
    app.use(paywall({ facilitator, routes: { 'GET /paid': usdc } }))
    app.get('/paid', (c) => c.text('paid'))
    const response = await app.request('/paid', { headers: { origin: 'https://shop.example' } })
    expect(response.status).toBe(402)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it("drops the handler's caching and length headers when a failed settlement replaces its answer", async () => {
    const facilitator = setup()
    const app = new Hono()
    app.use(paywall({ facilitator, routes: { 'GET /paid': usdc } }))
    app.get('/paid', (c) => c.text('the paid content', 200, { 'Cache-Control': 'public, max-age=3600', ETag: '"v1"' }))
    const unpaid = await app.request('/paid')
    facilitator.fail('settle', { type: 'settle-failure' })
    const response = await app.request('/paid', { headers: { 'PAYMENT-SIGNATURE': await payFor(unpaid, facilitator, { payer: BUYER }) } })
    expect(response.status).toBe(402)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('etag')).toBeNull()
    expect(await response.text()).not.toContain('the paid content')
  })

  it("answers the core's 500 when the handler throws, whatever onError says, and settles nothing", async () => {
    const facilitator = setup()
    const app = new Hono()
    app.onError((_error, c) => c.text('handled', 200))
    app.use(paywall({ facilitator, routes: { 'GET /paid': usdc } }))
    app.get('/paid', () => {
      throw new Error('boom')
    })
    const unpaid = await app.request('/paid')
    const response = await app.request('/paid', { headers: { 'PAYMENT-SIGNATURE': await payFor(unpaid, facilitator, { payer: BUYER }) } })
    expect(response.status).toBe(500)
    expect(facilitator.settleCalls()).toEqual([])
  })
})
