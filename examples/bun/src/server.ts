// A paid Bun.serve API: `routes` entries wrapped one by one, and `fetch` behind a routes map.
// Run with `bun src/server.ts`; the settings come from the environment (see @tollgate/contract/app-env).
import { exact, plan, withPaywall, type PaymentContext } from '@tollgate/bun'
import { appConfigFromEnv, waitForGate } from '@tollgate/contract/app-env'

// Just what this file uses of Bun's API (the bun-types package has it all).
declare const Bun: {
  serve(options: {
    hostname: string
    port: number
    routes: Record<string, Response | ((request: Request) => Response | Promise<Response>) | Record<string, (request: Request, server: unknown) => Promise<Response>>>
    fetch: (request: Request, server: unknown) => Response | Promise<Response>
  }): { port: number }
}

const config = appConfigFromEnv(process.env)
const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: config.payTo })
const credits = plan({ planId: config.planId, credits: 5 })
const policies = { facilitator: config.facilitator, verifyTimeoutMs: config.verifyTimeoutMs, settleTimeoutMs: config.settleTimeoutMs }

// One route's options inline, for a `routes` entry.
const paid = withPaywall(
  (request: Request, _server: unknown, ctx: PaymentContext) => {
    if (request.method === 'OPTIONS') return new Response(null, { status: 204 })
    const query = new URL(request.url).searchParams
    // Test hooks (the contract suite): a failing handler is never charged.
    if (query.get('throw')) throw new Error('the handler failed')
    const status = query.get('status')
    if (status) return new Response(`handler said ${status}`, { status: Number(status) })
    // Usage price: settle only the credits this request used.
    const used = query.get('used')
    if (used) ctx.charge(used)
    return Response.json({ paid: true, payer: ctx.payment?.payer, scheme: ctx.payment?.scheme, charged: ctx.charged })
  },
  { ...policies, accepts: [usdc, credits] },
)

// A routes map, for `fetch`: the paths it lists are paid, the rest pass.
const fallback = withPaywall(
  (request: Request) => {
    if (new URL(request.url).pathname !== '/stream') return new Response('not found', { status: 404 })
    const encoder = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('first\n'))
        waitForGate(config, request).then(
          () => (controller.enqueue(encoder.encode('second\n')), controller.close()),
          (error) => controller.error(error),
        )
      },
    })
    return new Response(body, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
  },
  { ...policies, routes: { 'GET /stream': usdc } },
)

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  routes: {
    '/paid': { GET: paid, HEAD: paid, OPTIONS: paid },
    '/free': () => new Response('free'),
  },
  fetch: fallback,
})
console.log(`listening on http://127.0.0.1:${server.port}`)
