// The weather app of the docs as a Next.js route handler on the Edge runtime, its paywalls built when the module
// loads: `/weather` is verified by a test facilitator inside this module, `/weather-http` by httpFacilitator
// against a facilitator on loopback. One catch-all route, so that every path shares this module's facilitator.
import { exact, httpFacilitator, withPaywall } from '@tollgate/next'
import { createTestFacilitator, payFor } from '@tollgate/x402/testing'

export const runtime = 'edge'
export const dynamic = 'force-dynamic'

/** The test's settings (WeatherAppEnv of src/apps/weather-app.ts), as JSON in the environment. */
const { facilitatorUrl, payTo, buyer, asset } = JSON.parse(process.env.TOLLGATE_WEATHER_ENV ?? '{}') as Record<string, string>
const inModule = createTestFacilitator()
if (buyer && asset) inModule.fund(buyer, 1_000_000n, { asset })
const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: payTo ?? '0x0000000000000000000000000000000000000001' })

type Context = { params: Promise<{ path: string[] }> }
const forecast = withPaywall<Request, Context>((_request, { payment }) => Response.json({ forecast: 'sunny', paidBy: payment.payer }), {
  accepts: usdc,
  facilitator: inModule,
})
const forecastHttp = withPaywall<Request, Context>((_request, { payment }) => Response.json({ forecast: 'sunny', paidBy: payment.payer }), {
  accepts: usdc,
  facilitator: httpFacilitator({ url: facilitatorUrl ?? 'http://127.0.0.1:9' }),
})

export function GET(request: Request, context: Context): Response | Promise<Response> {
  const { pathname } = new URL(request.url)
  if (pathname === '/weather') return forecast(request, context)
  if (pathname === '/weather-http') return forecastHttp(request, context)
  if (pathname === '/__test/balance') return new Response(inModule.balance(buyer!, { asset: asset! }).toString())
  return new Response('not found', { status: 404 })
}

// Test hook: pay a 402 (its PAYMENT-REQUIRED header) with the in-module facilitator.
export async function POST(request: Request): Promise<Response> {
  if (new URL(request.url).pathname !== '/__test/pay') return new Response('not found', { status: 404 })
  const unpaid = new Response(null, { status: 402, headers: { 'payment-required': request.headers.get('payment-required') ?? '' } })
  return new Response(await payFor(unpaid, inModule, { payer: buyer! }))
}
