// P3: the latency Tollgate adds to a paid request beyond verify + handler + settle, with the facilitator a
// separate process on loopback (httpFacilitator). Every request carries a new exact payment, so each one is
// verified, locked, settled and marked used: the full single-use path. Requests go one at a time into
// app.fetch in this process, so the time measured is the middleware's, not the HTTP server's.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { built } from './lib/build.js'
import { BODY, NETWORK, PAY_TO, tokenFor } from './lib/fixtures.js'
import { median } from './lib/load.js'

const FACILITATOR = fileURLToPath(new URL('./facilitator-server.js', import.meta.url))

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export async function runLatency({ requests = 3000, warmup = 500 } = {}) {
  const { Hono } = await import('hono')
  const { paywall, exact, httpFacilitator } = await import(built('hono'))
  const child = fork(FACILITATOR, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const port = await new Promise((resolve) => child.once('message', (message) => resolve(message.port)))
  try {
    const remote = httpFacilitator({ url: `http://127.0.0.1:${port}` })
    // Times every facilitator call and the handler, so that what is left is Tollgate's own work.
    let outside = 0
    const timed = (call) => async (...args) => {
      const started = performance.now()
      try {
        return await call(...args)
      } finally {
        outside += performance.now() - started
      }
    }
    const facilitator = { name: remote.name, verify: timed(remote.verify), settle: timed(remote.settle) }
    const app = new Hono()
    app.use('/paid', paywall({ accepts: exact({ price: '$0.001', network: NETWORK, payTo: PAY_TO }), facilitator }))
    app.get('/paid', (c) => {
      const started = performance.now()
      const response = c.json(BODY)
      outside += performance.now() - started
      return response
    })
    const url = 'http://127.0.0.1/paid'
    const required = (await app.fetch(new Request(url))).headers.get('payment-required')
    const added = []
    const facilitatorTimes = []
    for (let i = 0; i < warmup + requests; i++) {
      const request = new Request(url, { headers: { 'payment-signature': tokenFor(required, i + 1) } })
      outside = 0
      const started = performance.now()
      const response = await app.fetch(request)
      const total = performance.now() - started
      if (response.status !== 200) throw new Error(`P3: paid request answered ${response.status}: ${await response.text()}`)
      await response.arrayBuffer()
      if (i >= warmup) {
        added.push(total - outside)
        facilitatorTimes.push(outside)
      }
    }
    return { p50: median(added), p90: percentile(added, 90), p99: percentile(added, 99), facilitatorP50: median(facilitatorTimes), requests }
  } finally {
    child.send('stop')
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildSources } = await import('./lib/build.js')
  await buildSources()
  console.log(await runLatency())
}
