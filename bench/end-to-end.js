// P7: end-to-end latency of a paid request with a remote facilitator at a simulated round trip. The facilitator
// runs in its own process and answers verify and settle after `rttMs` each; the handler takes `handlerMs`; the
// servers (Tollgate and the reference @x402/hono, each in its own process) are called over loopback, one
// request at a time, and the p50 of each path is reported, measured in this one run. On a loaded machine timers
// fire late, so the run also measures what r and h really took: the handler alone through the same server
// (`/free`, no paywall, timed from here) and one verify call to the facilitator as the server makes it (`/rtt`,
// timed in the server, with the bytes /paid sends); the targets are checked against those. The handler is also
// timed in the server (`handlerInServer`), which shows the client's own hop (`clientHop`).
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startServer, median } from './lib/load.js'
import { tokenFor } from './lib/fixtures.js'

const FACILITATOR = fileURLToPath(new URL('./facilitator-server.js', import.meta.url))

export async function runEndToEnd({ requests = 500, warmup = 20, rttMs = 40, handlerMs = 40 } = {}) {
  const child = fork(FACILITATOR, [String(rttMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const port = await new Promise((resolve) => child.once('message', (message) => resolve(message.port)))
  const facilitatorUrl = `http://127.0.0.1:${port}`
  const env = { ...process.env, FACILITATOR_URL: facilitatorUrl, HANDLER_MS: String(handlerMs) }
  const servers = {}
  try {
    servers.tollgate = await startServer('e2e-tollgate', { env })
    servers.reference = await startServer('e2e-reference', { env })
    const calls = async () => (await fetch(`${facilitatorUrl}/calls`)).json()
    const requiredOf = async (url) => (await fetch(url)).headers.get('payment-required')
    /** p50 in ms of `count` sequential requests after `warmup` more; `headersFor(i)` gives each one's headers. */
    const measure = async (url, headersFor, expect, count = requests) => {
      const times = []
      for (let i = 0; i < warmup + count; i++) {
        const started = performance.now()
        const response = await fetch(url, { headers: headersFor(i) })
        await response.arrayBuffer()
        const elapsed = performance.now() - started
        if (response.status !== expect) throw new Error(`P7 ${url}: answered ${response.status}, expected ${expect}`)
        if (i >= warmup) times.push(elapsed)
      }
      return median(times)
    }
    let nonce = 1
    const fresh = (required) => () => ({ 'payment-signature': tokenFor(required, nonce++) })
    const paid = `${servers.tollgate.url}/paid`
    const planUrl = `${servers.tollgate.url}/plan`
    const referencePaid = `${servers.reference.url}/paid`
    const planToken = tokenFor(await requiredOf(planUrl), 1)
    const result = {
      rttMs,
      handlerMs,
      requests,
      // The controls: 200 requests each are plenty for a median.
      handlerAlone: await measure(`${servers.tollgate.url}/free`, () => ({}), 200, Math.min(requests, 200)),
      // The same handler as the server timed it (the last requests' of the 200 above): handlerAlone less this is
      // the client's own hop to the server and back, which r (timed in the server) does not include.
      handlerInServer: median((await (await fetch(`${servers.tollgate.url}/handler-times`)).json()).slice(-Math.min(requests, 200))),
      facilitatorAlone: await measureVerify(`${servers.tollgate.url}/rtt`, warmup, Math.min(requests, 200)),
      fresh: await measure(paid, fresh(await requiredOf(paid)), 200),
      referenceFresh: await measure(referencePaid, fresh(await requiredOf(referencePaid)), 200),
      reusable: await measure(planUrl, () => ({ 'payment-signature': planToken }), 200),
    }
    const before = await calls()
    result.unpaid = await measure(paid, () => ({}), 402)
    const after = await calls()
    result.unpaidFacilitatorCalls = after.verify + after.settle - before.verify - before.settle
    result.referenceUnpaid = await measure(referencePaid, () => ({}), 402)
    result.clientHop = result.handlerAlone - result.handlerInServer
    return result
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()))
    child.send('stop')
  }
}

/** p50 of one verify call to the facilitator, as the server makes and times it. */
async function measureVerify(rttUrl, warmup, requests) {
  const times = []
  for (let i = 0; i < warmup + requests; i++) {
    const { ms } = await (await fetch(rttUrl)).json()
    if (i >= warmup) times.push(ms)
  }
  return median(times)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildSources } = await import('./lib/build.js')
  await buildSources()
  console.log(await runEndToEnd({ requests: Number(process.argv[2] ?? 500) }))
}
