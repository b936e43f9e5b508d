// withPaywall for Bun.serve handlers, called the way Bun calls them: (request, server).
import { describe, expect, it } from 'vitest'
import { createTestFacilitator, payFor } from '@tollgate/x402/testing'
import { TollgateError, exact, withPaywall, type PaymentContext } from './index.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })

describe('withPaywall for Bun', () => {
  it('fails at construction on bad options or a missing handler', () => {
    const facilitator = createTestFacilitator()
    expect(() => withPaywall(() => new Response(), { facilitator } as never)).toThrow(TollgateError)
    expect(() => withPaywall(null as never, { facilitator, accepts: usdc })).toThrow(/handler/)
  })

  it('passes the server through and the payment as the third argument', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(BUYER, 1_000_000, { asset: USDC })
    const server = { name: 'bun-server' }
    const seen: Array<[typeof server, PaymentContext]> = []
    const fetch = withPaywall((_request: Request, srv: typeof server, payment) => {
      seen.push([srv, payment])
      return new Response('paid')
    }, { facilitator, routes: { 'GET /paid': usdc } })
    const unpaid = await fetch(new Request('http://localhost/paid'), server)
    const token = await payFor(unpaid, facilitator, { payer: BUYER })
    const paid = await fetch(new Request('http://localhost/paid', { headers: { 'PAYMENT-SIGNATURE': token } }), server)
    expect(await paid.text()).toBe('paid')
    expect(seen[0]?.[0]).toBe(server)
    expect(seen[0]?.[1].payment?.payer).toBe(BUYER)
    const free = await fetch(new Request('http://localhost/other'), server)
    expect(free.status).toBe(200)
    expect(seen[1]?.[1].payment).toBeUndefined()
  })
})
