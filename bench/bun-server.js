// The P1/P2 servers on Bun: `bun bun-server.js <variant>` with Bun.serve, started by lib/load.js like server.js
// (the port over IPC, then 'cpu' and 'stop'). bun-bare | bun-bare-paid-bytes | bun-bare-402 | bun-tollgate.
import { built } from './lib/build.js'
import { BODY, instantFacilitator, tokenFor } from './lib/fixtures.js'

const variant = process.argv[2]
const { createPaywall, plan, withPaywall } = await import(built('bun'))
const accepts = plan({ planId: '1', credits: 1 })
const answer = () => Response.json(BODY)
let fetch

if (variant === 'bun-bare') {
  fetch = answer
} else if (variant === 'bun-tollgate') {
  // A plan's access token is reusable: after the first request its verification comes from the cache.
  fetch = withPaywall(answer, { accepts, facilitator: instantFacilitator() })
} else if (variant === 'bun-bare-paid-bytes') {
  // No paywall: the headers of Tollgate's paid answer (its receipt, captured once) added to the handler's Response.
  const paywall = createPaywall({ routes: { '/paid': accepts }, facilitator: instantFacilitator() })
  const required = (await paywall.check(new Request('http://127.0.0.1/paid'))).response.headers.get('payment-required')
  const paid = await paywall.handle(new Request('http://127.0.0.1/paid', { headers: { 'payment-signature': tokenFor(required, 1) } }), async () => answer())
  const extra = Object.fromEntries([...paid.headers].filter(([name]) => name !== 'content-type'))
  fetch = () => {
    const response = answer()
    for (const name in extra) response.headers.set(name, extra[name])
    return response
  }
} else if (variant === 'bun-bare-402') {
  // No paywall: the bytes of Tollgate's 402 (header and body), captured once and sent by a plain handler.
  const gate = await createPaywall({ routes: { '/paid': accepts }, facilitator: instantFacilitator() }).check(new Request('http://127.0.0.1/paid'))
  const headers = Object.fromEntries(gate.response.headers)
  const body = await gate.response.text()
  fetch = () => new Response(body, { status: 402, headers })
} else {
  throw new Error(`unknown variant ${variant}`)
}

const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch })
process.send({ port: server.port })
process.on('message', (message) => {
  if (message === 'stop') {
    server.stop(true)
    process.exit(0)
  }
  if (message === 'cpu') process.send({ cpu: process.cpuUsage() })
})
