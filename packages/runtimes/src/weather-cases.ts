// What a user of the docs' Hono pattern checks on a runtime: the 402, the HTML 402, and a paid 200 with its
// receipt, paid through a test facilitator inside the app and through httpFacilitator against one on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChildServer } from '@tollgate/contract'
import { BUYER, PAY_TO, PRICE, STARTING_USDC, USDC } from '@tollgate/contract'
import { payFor, readPaymentRequired, readReceipt } from '@tollgate/x402/testing'
import type { WeatherAppEnv } from './apps/weather-app.js'
import { startStandardFacilitator, type StandardFacilitator } from './standard-facilitator.js'

export function weatherCases(runtime: string, start: (env: WeatherAppEnv) => Promise<ChildServer>, startTimeoutMs = 60_000): void {
  describe(`the docs' module-scope Hono app on ${runtime}`, () => {
    let loopback: StandardFacilitator
    let server: ChildServer

    beforeAll(async () => {
      loopback = await startStandardFacilitator()
      loopback.facilitator.fund(BUYER, STARTING_USDC, { asset: USDC })
      server = await start({ facilitatorUrl: loopback.url, payTo: PAY_TO, buyer: BUYER, asset: USDC })
    }, startTimeoutMs)

    afterAll(async () => {
      await server?.stop()
      await loopback?.close()
    }, 30_000)

    const request = (path: string, init?: RequestInit) => fetch(server.url + path, init)

    it('answers 402 with what to pay', async () => {
      const response = await request('/weather')
      expect(response.status).toBe(402)
      const { v2 } = await readPaymentRequired(response)
      expect(v2?.accepts[0]).toMatchObject({ scheme: 'exact', amount: PRICE.toString(), payTo: PAY_TO, asset: USDC })
      expect(v2?.resource.url).toMatch(/\/weather$/)
    })

    it('answers a browser with the HTML 402', async () => {
      const response = await request('/weather', { headers: { accept: 'text/html' } })
      expect(response.status).toBe(402)
      expect(response.headers.get('content-type')).toMatch(/^text\/html/)
      expect(response.headers.get('payment-required')).toBeTruthy()
      expect(await response.text()).toMatch(/<html/i)
    })

    it('serves a payment verified and settled by the test facilitator inside the app, with its receipt', async () => {
      const unpaid = await request('/weather')
      const token = await (await request('/__test/pay', { method: 'POST', headers: { 'payment-required': unpaid.headers.get('payment-required')! } })).text()
      const paid = await request('/weather', { headers: { 'PAYMENT-SIGNATURE': token } })
      expect(paid.status).toBe(200)
      expect(await paid.json()).toEqual({ forecast: 'sunny', paidBy: BUYER })
      expect(readReceipt(paid)).toMatchObject({ success: true, payer: BUYER, network: 'eip155:84532' })
      expect(await (await request('/__test/balance')).text()).toBe((1_000_000n - PRICE).toString())
    })

    it('serves a payment verified and settled by httpFacilitator against a facilitator on loopback', async () => {
      const unpaid = await request('/weather-http')
      expect(unpaid.status).toBe(402)
      const token = await payFor(unpaid, loopback.facilitator, { payer: BUYER })
      const paid = await request('/weather-http', { headers: { 'PAYMENT-SIGNATURE': token } })
      expect(paid.status).toBe(200)
      expect(await paid.json()).toEqual({ forecast: 'sunny', paidBy: BUYER })
      expect(readReceipt(paid)).toMatchObject({ success: true, payer: BUYER })
      expect(loopback.facilitator.balance(BUYER, { asset: USDC })).toBe(STARTING_USDC - PRICE)
      expect(loopback.facilitator.calls.map((call) => call.method)).toEqual(['verify', 'settle'])
    })
  })
}
