// ctx.settleWith(): fields the handler asks of this payment's settlement reach the facilitator's settle request.
import { describe, expect, it } from 'vitest'
import type { SettleRequest } from '../facilitator/types.js'
import { plan } from '../requirements/options.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { createPaywall } from './paywall.js'

const PLAN = '1234567890123456789'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

function setup(handler: Parameters<ReturnType<typeof createPaywall>['protect']>[0]) {
  const test = createTestFacilitator({ plans: [{ planId: PLAN, credits: 10 }] })
  const seen: SettleRequest[] = []
  const facilitator = { ...test, settle: (request: SettleRequest, signal: AbortSignal) => (seen.push(request), test.settle(request, signal)) }
  const paywall = createPaywall({ facilitator, routes: { 'POST /ask': plan({ planId: PLAN, network: 'eip155:84532' }) } })
  const token = test.mint({ requirements: plan({ planId: PLAN, network: 'eip155:84532' }).requirements, payer: BUYER })
  return { app: paywall.protect(handler), seen, token }
}

describe('ctx.settleWith()', () => {
  it('hands what the handler asked, merged over calls, to settle as settleOptions', async () => {
    const { app, seen, token } = setup(async (_request, ctx) => {
      ctx.settleWith({ batch: true })
      ctx.settleWith({ marginPercent: 5 })
      return new Response('paid')
    })
    const response = await app(new Request('http://localhost/ask', { method: 'POST', headers: { 'PAYMENT-SIGNATURE': token } }))
    expect(response.status).toBe(200)
    expect(seen[0]?.settleOptions).toEqual({ batch: true, marginPercent: 5 })
  })

  it('leaves settleOptions out when the handler asks nothing', async () => {
    const { app, seen, token } = setup(async () => new Response('paid'))
    await app(new Request('http://localhost/ask', { method: 'POST', headers: { 'PAYMENT-SIGNATURE': token } }))
    expect(seen[0]).not.toHaveProperty('settleOptions')
  })

  it('refuses a request that is not paid', async () => {
    const errors: unknown[] = []
    const attempt = (fn: () => void) => {
      try {
        fn()
      } catch (error) {
        errors.push(error)
      }
    }
    const { app, token } = setup(async (_request, ctx) => {
      attempt(() => ctx.settleWith({ batch: true }))
      return new Response('ok')
    })
    await app(new Request('http://localhost/ask', { method: 'POST', headers: { 'PAYMENT-SIGNATURE': token } }))
    await app(new Request('http://localhost/free'))
    expect(errors.map((error) => (error as { code?: string }).code)).toEqual(['charge_unsupported'])
  })
})
