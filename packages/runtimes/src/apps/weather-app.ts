// The Hono pattern of the README and docs/adapters/hono.md, word for word where it matters: the paywall is built
// in global scope (`app.use('/weather', paywall({...}))`), where Workers refuse randomness, timers and I/O.
// `/weather` is verified by a test facilitator inside this module, `/weather-http` by httpFacilitator on loopback.
import { Hono } from 'hono'
import { exact, httpFacilitator, paywall } from '@tollgate/hono'
import { createTestFacilitator, payFor } from '@tollgate/x402/testing'

/** Baked in at bundle time (see bundle.ts). */
declare const __TOLLGATE_ENV__: WeatherAppEnv

export interface WeatherAppEnv {
  /** A standard x402 facilitator (POST /verify, /settle) on 127.0.0.1. */
  facilitatorUrl: string
  payTo: string
  buyer: string
  /** The asset `exact` picks on base-sepolia, which the in-module facilitator funds the buyer in. */
  asset: string
}

const { facilitatorUrl, payTo, buyer, asset } = __TOLLGATE_ENV__
const inModule = createTestFacilitator()
inModule.fund(buyer, 1_000_000n, { asset })
const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo })

const app = new Hono()
app.use('/weather', paywall({ accepts: usdc, facilitator: inModule }))
app.use('/weather-http', paywall({ accepts: usdc, facilitator: httpFacilitator({ url: facilitatorUrl }) }))
const forecast = (c: import('hono').Context) => c.json({ forecast: 'sunny', paidBy: c.get('payment').payer })
app.get('/weather', forecast)
app.get('/weather-http', forecast)

// Test hooks: pay a 402 (its PAYMENT-REQUIRED header) with the in-module facilitator, and read its books.
app.post('/__test/pay', async (c) => {
  const unpaid = new Response(null, { status: 402, headers: { 'payment-required': c.req.header('payment-required') ?? '' } })
  return c.text(await payFor(unpaid, inModule, { payer: buyer }))
})
app.get('/__test/balance', (c) => c.text(inModule.balance(buyer, { asset }).toString()))

export default app
