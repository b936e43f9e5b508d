// The paywall's own CPU per paid request, in one process, with no sockets: the same paid answer with and without
// the paywall, taking turns, many rounds; the fastest round of each is kept (the one the rest of the machine
// disturbed least). On Node the requests go through @hono/node-server's own request listener with in-memory
// stand-ins for the socket objects (its lightweight Request and Response, as over HTTP); on Bun through the
// handlers given to Bun.serve. Prints JSON: { bare, ceiling, tollgate } in µs per request.
import { built } from './lib/build.js'
import { BODY, instantFacilitator, tokenFor } from './lib/fixtures.js'

const perRound = Number(process.argv[2] ?? 10_000)
const rounds = Number(process.argv[3] ?? 14)
const onBun = typeof globalThis.Bun !== 'undefined'
const { createPaywall, plan, paywall, withPaywall } = await import(built(onBun ? 'bun' : 'hono'))
const accepts = plan({ planId: '1', credits: 1 })
const probe = createPaywall({ routes: { '/paid': accepts }, facilitator: instantFacilitator() })
const token = tokenFor((await probe.check(new Request('http://127.0.0.1/paid'))).response.headers.get('payment-required'), 1)
const paidAnswer = await probe.handle(new Request('http://127.0.0.1/paid', { headers: { 'payment-signature': token } }), async () => Response.json(BODY))
const extra = Object.fromEntries([...paidAnswer.headers].filter(([name]) => name !== 'content-type'))

const variants = onBun ? bunVariants() : await nodeVariants()
const best = { bare: Infinity, ceiling: Infinity, tollgate: Infinity }
for (let round = 0; round < rounds; round++) {
  for (const name of Object.keys(best)) {
    const run = variants[name]
    const before = process.cpuUsage()
    for (let i = 0; i < perRound; i++) await run()
    const used = process.cpuUsage(before)
    // The first two rounds warm the JIT up.
    if (round >= 2) best[name] = Math.min(best[name], (used.user + used.system) / perRound)
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
  const through = (listener, headers) => () =>
    new Promise((resolve, reject) => {
      const incoming = { method: 'GET', url: '/paid', headers: { host: '127.0.0.1', ...headers }, socket: { encrypted: false }, on() {}, destroyed: false }
      const outgoing = {
        destroyed: false,
        socket: { destroyed: false },
        writableFinished: false,
        on() {},
        writeHead(status) {
          if (status !== 200) reject(new Error(`answered ${status}`))
        },
        end() {
          this.writableFinished = true
          resolve()
        },
      }
      listener(incoming, outgoing)
    })
  return {
    bare: through(app(), {}),
    ceiling: through(app(ceiling), {}),
    tollgate: through(app(paywall({ accepts, facilitator: instantFacilitator() })), { 'payment-signature': token }),
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
  const call = (handler, headers) => async () => {
    const response = await handler(new Request('http://127.0.0.1/paid', { headers }))
    if (response.status !== 200) throw new Error(`answered ${response.status}`)
  }
  return { bare: call(answer, {}), ceiling: call(ceiling, {}), tollgate: call(gated, { 'payment-signature': token }) }
}
