// withPaywall for route handlers, called the way Next calls them: (request, { params }).
import { describe, expect, it } from 'vitest'
import { createTestFacilitator, payFor, readReceipt } from '@tollgate/x402/testing'
import { TollgateError, exact, withPaywall } from './index.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })

describe('withPaywall for Next.js', () => {
  it('fails at construction on bad options or a missing handler', () => {
    const facilitator = createTestFacilitator()
    expect(() => withPaywall(() => new Response(), { facilitator } as never)).toThrow(TollgateError)
    expect(() => withPaywall(undefined as never, { facilitator, accepts: usdc })).toThrow(/route handler/)
  })

  it("keeps Next's context and adds the payment to it", async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(BUYER, 1_000_000, { asset: USDC })
    const GET = withPaywall<Request, { params: Promise<{ city: string }> }>(
      async (_request, { params, payment }) => Response.json({ city: (await params).city, payer: payment.payment?.payer }),
      { facilitator, accepts: usdc },
    )
    const context = { params: Promise.resolve({ city: 'oslo' }) }
    const unpaid = await GET(new Request('http://localhost/weather/oslo'), context)
    expect(unpaid.status).toBe(402)
    const token = await payFor(unpaid, facilitator, { payer: BUYER })
    const paid = await GET(new Request('http://localhost/weather/oslo', { headers: { 'PAYMENT-SIGNATURE': token } }), context)
    expect(await paid.json()).toEqual({ city: 'oslo', payer: BUYER })
    expect(readReceipt(paid)).toMatchObject({ success: true })
  })

  it('takes a routes map too, matched against the request path', async () => {
    const facilitator = createTestFacilitator()
    const handler = withPaywall(() => new Response('ok'), { facilitator, routes: { 'POST /api/ask': usdc } })
    const context = { params: Promise.resolve({}) }
    expect((await handler(new Request('http://localhost/api/ask', { method: 'POST' }), context)).status).toBe(402)
    expect((await handler(new Request('http://localhost/api/ask'), context)).status).toBe(200)
  })
})
