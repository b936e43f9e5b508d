// The paywall's own CPU per paid request, in one process, with no sockets: the same paid answer with and without
// the paywall, taking turns, many rounds; the fastest round of each is kept (the one the rest of the machine
// disturbed least). On Node the requests go through @hono/node-server's own request listener with in-memory
// stand-ins for the socket objects (its lightweight Request and Response, as over HTTP); on Bun through the
// handlers given to Bun.serve. The ceiling gets the same request as the paid one (its payment header included).
// Prints JSON: { bare, ceiling, tollgate, ceiling402, tollgate402 } in µs per request (the last two: P2's 402 and
// the same 402 bytes from a plain handler).
import { built } from './lib/build.js'
import { BODY, NETWORK, PAY_TO, instantFacilitator, instantReferenceClient, tokenFor } from './lib/fixtures.js'

const perRound = Number(process.argv[2] ?? 10_000)
const rounds = Number(process.argv[3] ?? 14)
// `reference`: only the reference's rows, in a process of their own (its garbage would disturb ours).
const only = process.argv[4]
const onBun = typeof globalThis.Bun !== 'undefined'
const { createPaywall, plan, paywall, withPaywall } = await import(built(onBun ? 'bun' : 'hono'))
const accepts = plan({ planId: '1', credits: 1 })
const probe = createPaywall({ routes: { '/paid': accepts }, facilitator: instantFacilitator() })
const token = tokenFor((await probe.check(new Request('http://127.0.0.1/paid'))).response.headers.get('payment-required'), 1)
const paidAnswer = await probe.handle(new Request('http://127.0.0.1/paid', { headers: { 'payment-signature': token } }), async () => Response.json(BODY))
const extra = Object.fromEntries([...paidAnswer.headers].filter(([name]) => name !== 'content-type'))
// P2's ceiling: the bytes of Tollgate's 402 (header and body), captured once and sent by a plain handler.
const unpaid = (await probe.check(new Request('http://127.0.0.1/paid'))).response
const unpaidHeaders = Object.fromEntries(unpaid.headers)
const unpaidBody = await unpaid.text()

const variants = onBun ? bunVariants() : await nodeVariants()
const best = Object.fromEntries(Object.keys(variants).map((name) => [name, Infinity]))
for (let round = 0; round < rounds; round++) {
  for (const name of Object.keys(best)) {
    const run = variants[name]
    // The reference costs about twenty times ours per request: a tenth of the requests still fills a round.
    const count = name.startsWith('reference') ? Math.ceil(perRound / 10) : perRound
    const before = process.cpuUsage()
    for (let i = 0; i < count; i++) await run()
    const used = process.cpuUsage(before)
    // The first two rounds warm the JIT up.
    if (round >= 2) best[name] = Math.min(best[name], (used.user + used.system) / count)
  }
}
console.log(JSON.stringify(best))
process.exit(0)

async function nodeVariants() {
  const { getRequestListener } = await import('@hono/node-server')
  const { Hono } = await import('hono')
  const app = (middleware) => {
    const hono = new Hono()
    if (middleware) hono.use('/paid', middleware)
    hono.get('/paid', (c) => c.json(BODY))
    return getRequestListener(hono.fetch)
  }
  const ceiling = async (c, next) => {
    await next()
    for (const name in extra) c.res.headers.set(name, extra[name])
  }
  const through = (listener, extraHeaders, expect = 200) => {
    const headers = { host: '127.0.0.1', ...extraHeaders }
    const rawHeaders = Object.entries(headers).flat()
    return () => new Promise((resolve, reject) => {
      const incoming = { method: 'GET', url: '/paid', headers, rawHeaders, socket: { encrypted: false }, on() {}, destroyed: false }
      const outgoing = {
        destroyed: false,
        socket: { destroyed: false },
        writableFinished: false,
        on() {},
        writeHead(status) {
          if (status !== expect) reject(new Error(`answered ${status}`))
        },
        end() {
          this.writableFinished = true
          resolve()
        },
      }
      listener(incoming, outgoing)
    })
  }
  if (only === 'reference') return referenceVariants(Hono, getRequestListener, through)
  const gated = app(paywall({ accepts, facilitator: instantFacilitator() }))
  const plain402 = new Hono()
  plain402.use('/paid', (c) => c.body(unpaidBody, 402, unpaidHeaders))
  return {
    bare: through(app(), {}),
    ceiling: through(app(ceiling), { 'payment-signature': token }),
    tollgate: through(gated, { 'payment-signature': token }),
    ceiling402: through(getRequestListener(plain402.fetch), {}, 402),
    tollgate402: through(gated, {}, 402),
  }
}

/**
 * The reference @x402/hono through the same listener, with an equally instant facilitator (it verifies every
 * request, as it is built to): the paid and 402 rows against it without the sockets' cost.
 */
async function referenceVariants(Hono, getRequestListener, through) {
  const { paymentMiddleware, x402ResourceServer } = await import('@x402/hono')
  const { ExactEvmScheme } = await import('@x402/evm/exact/server')
  const resourceServer = new x402ResourceServer(instantReferenceClient()).register(NETWORK, new ExactEvmScheme())
  const reference = new Hono()
  reference.use(paymentMiddleware({ 'GET /paid': { accepts: { scheme: 'exact', price: '$0.001', network: NETWORK, payTo: PAY_TO } } }, resourceServer))
  reference.get('/paid', (c) => c.json(BODY))
  const referenceToken = tokenFor((await reference.request('http://127.0.0.1/paid')).headers.get('payment-required'), 1)
  return {
    reference: through(getRequestListener(reference.fetch), { 'payment-signature': referenceToken }),
    reference402: through(getRequestListener(reference.fetch), {}, 402),
  }
}

function bunVariants() {
  const answer = () => Response.json(BODY)
  const ceiling = () => {
    const response = answer()
    for (const name in extra) response.headers.set(name, extra[name])
    return response
  }
  const gated = withPaywall(answer, { accepts, facilitator: instantFacilitator() })
  const call = (handler, headers, expect = 200) => async () => {
    const response = await handler(new Request('http://127.0.0.1/paid', { headers }))
    if (response.status !== expect) throw new Error(`answered ${response.status}`)
  }
  return {
    bare: call(answer, {}),
    ceiling: call(ceiling, { 'payment-signature': token }),
    tollgate: call(gated, { 'payment-signature': token }),
    ceiling402: call(() => new Response(unpaidBody, { status: 402, headers: unpaidHeaders }), {}, 402),
    tollgate402: call(gated, {}, 402),
  }
}
