// One server under load, in its own process so that it does not share an event loop with the load generator.
// `node server.js <variant>`: bare | bare-fetch | bare-402 | bare-paid-bytes | tollgate | tollgate-exact | reference. Sends { port } to the parent over IPC when listening.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { built } from './lib/build.js'
import { BODY, NETWORK, PAY_TO, instantFacilitator, instantReferenceClient } from './lib/fixtures.js'

const variant = process.argv[2]
const app = new Hono()

if (variant === 'tollgate') {
  const { paywall, plan } = await import(built('hono'))
  // A plan's access token is reusable: after the first request its verification comes from the cache.
  app.use('/paid', paywall({ accepts: plan({ planId: '1', credits: 1 }), facilitator: instantFacilitator() }))
} else if (variant === 'tollgate-exact') {
  const { paywall, exact } = await import(built('hono'))
  app.use('/paid', paywall({ accepts: exact({ price: '$0.001', network: NETWORK, payTo: PAY_TO }), facilitator: instantFacilitator() }))
} else if (variant === 'reference') {
  const { paymentMiddleware, x402ResourceServer } = await import('@x402/hono')
  const { ExactEvmScheme } = await import('@x402/evm/exact/server')
  const server = new x402ResourceServer(instantReferenceClient()).register(NETWORK, new ExactEvmScheme())
  app.use(paymentMiddleware({ 'GET /paid': { accepts: { scheme: 'exact', price: '$0.001', network: NETWORK, payTo: PAY_TO } } }, server))
} else if (variant === 'bare-fetch') {
  // No paywall, only the Fetch-object work any paywall must do on @hono/node-server: read the request's signal
  // (which builds the full undici Request), read a header, and add a header to the handler's Response.
  app.use('/paid', async (c, next) => {
    void c.req.raw.signal
    c.req.raw.headers.get('payment-signature')
    await next()
    c.res.headers.set('payment-response', 'x'.repeat(300))
  })
} else if (variant === 'bare-402') {
  // No paywall: the bytes of Tollgate's 402 (header and body), captured once and sent by a plain handler.
  const { createPaywall, plan } = await import(built('hono'))
  const gate = await createPaywall({ routes: { '/paid': plan({ planId: '1', credits: 1 }) }, facilitator: instantFacilitator() }).check(new Request('http://127.0.0.1/paid'))
  const headers = Object.fromEntries(gate.response.headers)
  const body = await gate.response.text()
  app.use('/paid', (c) => c.body(body, 402, headers))
} else if (variant === 'bare-paid-bytes') {
  // No paywall: the headers of Tollgate's paid answer (its receipt, captured once) added by a plain middleware.
  const { createPaywall, plan } = await import(built('hono'))
  const { tokenFor } = await import('./lib/fixtures.js')
  const paywall = createPaywall({ routes: { '/paid': plan({ planId: '1', credits: 1 }) }, facilitator: instantFacilitator() })
  const required = (await paywall.check(new Request('http://127.0.0.1/paid'))).response.headers.get('payment-required')
  const paid = await paywall.handle(new Request('http://127.0.0.1/paid', { headers: { 'payment-signature': tokenFor(required, 1) } }), async () => Response.json(BODY))
  const extra = Object.fromEntries([...paid.headers].filter(([name]) => name !== 'content-type'))
  app.use('/paid', async (c, next) => {
    await next()
    for (const name in extra) c.res.headers.set(name, extra[name])
  })
} else if (variant === 'e2e-tollgate') {
  // P7: a remote facilitator (FACILITATOR_URL) and a handler that takes HANDLER_MS; /paid takes fresh exact
  // payments (GET: speculative by default), /plan a reusable plan token.
  const { paywall, exact, plan, httpFacilitator } = await import(built('hono'))
  const facilitator = httpFacilitator({ url: process.env.FACILITATOR_URL })
  app.use('/paid', paywall({ accepts: exact({ price: '$0.001', network: NETWORK, payTo: PAY_TO }), facilitator }))
  app.use('/plan', paywall({ accepts: plan({ planId: '1', credits: 1 }), facilitator }))
  // P7's control for r: one facilitator call as this server makes it, timed here, with the bytes of a real
  // verify request (a v2 exact payment and its requirements), as a plain fetch: the call's own ceiling. The
  // body is the one /paid sends, byte for byte: its resource URL carries this server's port, so it is built on
  // the first call, from the URL the request came to.
  const { tokenFor } = await import('./lib/fixtures.js')
  const probe = paywall({ accepts: exact({ price: '$0.001', network: NETWORK, payTo: PAY_TO }), facilitator })
  const unpaid = new Hono().use('*', probe).get('*', (c) => c.json(BODY))
  let verifyBody
  const verifyBodyFor = async (origin) => {
    const required = (await unpaid.request(`${origin}/paid`)).headers.get('payment-required')
    const payload = JSON.parse(Buffer.from(tokenFor(required, 0), 'base64').toString('utf8'))
    return JSON.stringify({ x402Version: 2, paymentPayload: payload, paymentRequirements: payload.accepted })
  }
  // P7's h as the server runs it: the handler of /free timed here (the client's timing adds its own hop).
  const handlerTimes = []
  app.use('/free', async (_c, next) => {
    const started = performance.now()
    await next()
    handlerTimes.push(performance.now() - started)
  })
  app.get('/handler-times', (c) => c.json(handlerTimes.splice(0)))
  app.get('/rtt', async (c) => {
    verifyBody ??= await verifyBodyFor(new URL(c.req.url).origin)
    const started = performance.now()
    const response = await fetch(`${process.env.FACILITATOR_URL}/verify`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: verifyBody })
    await response.arrayBuffer()
    return c.json({ ms: performance.now() - started })
  })
} else if (variant === 'e2e-reference') {
  const { paymentMiddleware, x402ResourceServer } = await import('@x402/hono')
  const { HTTPFacilitatorClient } = await import('@x402/core/server')
  const { ExactEvmScheme } = await import('@x402/evm/exact/server')
  const server = new x402ResourceServer(new HTTPFacilitatorClient({ url: process.env.FACILITATOR_URL })).register(NETWORK, new ExactEvmScheme())
  app.use(paymentMiddleware({ 'GET /paid': { accepts: { scheme: 'exact', price: '$0.001', network: NETWORK, payTo: PAY_TO } } }, server))
} else if (variant !== 'bare') {
  throw new Error(`unknown variant ${variant}`)
}
const handlerMs = Number(process.env.HANDLER_MS ?? 0)
if (handlerMs > 0) {
  const slow = async (c) => {
    await new Promise((resolve) => setTimeout(resolve, handlerMs))
    return c.json(BODY)
  }
  app.get('/paid', slow)
  app.get('/plan', slow)
  app.get('/free', slow) // P7's control: the handler alone, no paywall
} else {
  app.get('/paid', (c) => c.json(BODY))
  app.get('/plan', (c) => c.json(BODY))
}

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.send?.({ port: info.port }))
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0))
  if (message === 'cpu') process.send({ cpu: process.cpuUsage() })
})
process.on('disconnect', () => process.exit(0))
