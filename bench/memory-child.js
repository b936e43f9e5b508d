// P6, in a child process started with --expose-gc: RSS growth while N distinct tokens pass through the
// engine (proof memo, token-hash memo, verification cache on the default memoryStore). Prints JSON.
// `node memory-child.js N bare` sends the same requests to the handler with no paywall: the control, which shows
// how much RSS the runtime itself takes on for a million requests (mostly V8's young generation growing).
import { built } from './lib/build.js'
import { instantFacilitator } from './lib/fixtures.js'

const total = Number(process.argv[2] ?? 1_000_000)
const bare = process.argv[3] === 'bare'
const { createPaywall, plan, encodePaymentSignature } = await import(built('core'))
const route = plan({ planId: '1', credits: 1 })
const paywall = createPaywall({ routes: { 'GET /paid': route }, facilitator: instantFacilitator() })
const url = 'http://127.0.0.1/paid'
const required = (await paywall.check(new Request(url))).response.headers.get('payment-required')
const accepted = JSON.parse(atob(required)).accepts[0]
const next = async () => new Response('ok')

async function pass(n) {
  // A distinct access token per request: a new proof, hash and cache entry each time.
  const token = encodePaymentSignature({ x402Version: 2, accepted, payload: { accessToken: 'bench-' + n } })
  const request = new Request(url, { headers: { 'payment-signature': token } })
  const response = bare ? await next(request) : await paywall.handle(request, next)
  if (response.status !== 200) throw new Error(`P6: request ${n} answered ${response.status}`)
}

const settle = () => {
  globalThis.gc()
  globalThis.gc()
}
// A short warm-up (JIT, first allocations) below every cache bound, so that filling the caches counts as growth.
for (let n = 0; n < 1_000; n++) await pass(n)
settle()
const before = process.memoryUsage()
const started = performance.now()
for (let n = 1_000; n < 1_000 + total; n++) await pass(n)
const seconds = (performance.now() - started) / 1000
settle()
const after = process.memoryUsage()
console.log(JSON.stringify({ tokens: total, seconds, rssGrowthMB: (after.rss - before.rss) / 2 ** 20, heapGrowthMB: (after.heapUsed - before.heapUsed) / 2 ** 20, rssAfterMB: after.rss / 2 ** 20 }))
