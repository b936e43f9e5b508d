// P7: end-to-end latency of a paid request with a remote facilitator at a simulated round trip. The facilitator
// runs in its own process and answers verify and settle after `rttMs` each; the handler takes `handlerMs`; the
// servers (Tollgate and the reference @x402/hono, each in its own process) are called over loopback, one
// request at a time, and the p50 of each path is reported, measured in this one run. On a loaded machine timers
// fire late, so the run also measures what r and h really took: the handler alone through the same server
// (`/free`, no paywall, timed from here) and one verify call to the facilitator as the server makes it (`/rtt`,
// timed in the server, with the bytes /paid sends); the targets are checked against those. The paid paths and
// these two controls take turns in blocks of 25 requests. The handler is also timed in the server
// (`handlerInServer`), which shows the client's own hop (`clientHop`).
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startServer, median } from './lib/load.js'
import { tokenFor } from './lib/fixtures.js'

const FACILITATOR = fileURLToPath(new URL('./facilitator-server.js', import.meta.url))
/** Requests of one kind in a row; see runEndToEnd. */
const BLOCK = 25

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
    /** One request as the client times it, in ms. */
    const once = async (url, headers, expect) => {
      const started = performance.now()
      const response = await fetch(url, { headers })
      await response.arrayBuffer()
      const elapsed = performance.now() - started
      if (response.status !== expect) throw new Error(`P7 ${url}: answered ${response.status}, expected ${expect}`)
      return elapsed
    }
    /** p50 in ms of `count` sequential requests after `warmup` more; `headersFor(i)` gives each one's headers. */
    const measure = async (url, headersFor, expect, count = requests) => {
      const times = []
      for (let i = 0; i < warmup + count; i++) {
        const elapsed = await once(url, headersFor(i), expect)
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
    const freshHeaders = fresh(await requiredOf(paid))
    const referenceHeaders = fresh(await requiredOf(referencePaid))
    // The paid paths and the controls take turns in blocks of BLOCK requests of one kind, the kinds rotating,
    // so that each is sampled across the whole run and r and h see the load the paid requests saw (measured in a
    // phase of their own, tens of seconds before, they did not: on this shared machine the load average went
    // from 3.7 to 12.4 within one 90 s run). Within a block each kind runs back to back, as in a phase of its
    // own: turn by turn instead, r measured 0.26 and 0.31 ms slower in two runs (the server is never in the rhythm
    // of one call), which would loosen the targets. The first request of each block is not counted (so the plan
    // token's verification, renewed when its cache entry expires every 10 s, mostly lands on an uncounted one).
    const steps = {
      handlerAlone: () => once(`${servers.tollgate.url}/free`, {}, 200),
      facilitatorAlone: async () => (await (await fetch(`${servers.tollgate.url}/rtt`)).json()).ms,
      fresh: () => once(paid, freshHeaders(), 200),
      referenceFresh: () => once(referencePaid, referenceHeaders(), 200),
      reusable: () => once(planUrl, { 'payment-signature': planToken }, 200),
    }
    const names = Object.keys(steps)
    const times = Object.fromEntries(names.map((name) => [name, []]))
    for (const name of names) for (let i = 0; i < warmup; i++) await steps[name]()
    const block = Math.min(BLOCK, requests)
    while (times[names[0]].length < requests) {
      for (const name of names) {
        const wanted = Math.min(block, requests - times[name].length)
        await steps[name]()
        for (let i = 0; i < wanted; i++) times[name].push(await steps[name]())
      }
    }
    const result = { rttMs, handlerMs, requests }
    for (const name of names) result[name] = median(times[name])
    // The same handler as the server timed it (every /free, warm-up and block starts too): handlerAlone less this
    // is the client's own hop to the server and back, which r (timed in the server) does not include.
    result.handlerInServer = median(await (await fetch(`${servers.tollgate.url}/handler-times`)).json())
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildSources } = await import('./lib/build.js')
  await buildSources()
  console.log(await runEndToEnd({ requests: Number(process.argv[2] ?? 500) }))
}
