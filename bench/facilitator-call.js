// What one httpFacilitator call costs against a bare `fetch` of the same bytes, side by side in one process, to
// bench/facilitator-server.js in another process (P7's r is such a bare fetch).
// `node bench/facilitator-call.js [delayMs=0] [rounds=600] [--against=<another packages/x402/src>]`
// Each round makes one call of every kind, in an order that flips every round; the client's CPU time per call
// (user + system, the steadier figure on a loaded machine) and the wall time are reported as p50 (and p25/p75).
// The `engine` rows call as the engine does: inside withDeadline, whose signal is shared by the calls of a batch.
// `--against` adds the same rows for another copy of the core's sources (a checkout before a change).
import { build } from 'esbuild'
import { fork } from 'node:child_process'
import { setMaxListeners } from 'node:events'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { CORE, ROOT } from './lib/build.js'
import { NETWORK, PAYER, PAY_TO } from './lib/fixtures.js'

const args = process.argv.slice(2)
const against = args.find((arg) => arg.startsWith('--against='))?.slice('--against='.length)
const [delayMs = '0', rounds = '600'] = args.filter((arg) => !arg.startsWith('--'))
const WARMUP = 20

async function bundle(src, name) {
  const outdir = join(ROOT, 'bench/.build')
  mkdirSync(outdir, { recursive: true })
  const outfile = join(outdir, `facilitator-call-${name}.mjs`)
  await build({
    stdin: { contents: `export { httpFacilitator } from '${src}/facilitator/http.ts'\nexport { withDeadline } from '${src}/engine/deadline.ts'`, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    external: ['valibot', 'viem', 'viem/*'],
    logLevel: 'error',
  })
  return import(pathToFileURL(outfile).href)
}

const cores = { now: await bundle(CORE, 'now') }
if (against) cores.before = await bundle(against, 'before')

const child = fork(fileURLToPath(new URL('./facilitator-server.js', import.meta.url)), [delayMs], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const port = await new Promise((resolve) => child.once('message', (message) => resolve(message.port)))
const base = `http://127.0.0.1:${port}`

// A v2 exact payment and its requirements, as the engine hands them to the facilitator.
const now = Math.floor(Date.now() / 1000)
const requirements = { scheme: 'exact', network: NETWORK, amount: '1000', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', payTo: PAY_TO, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' } }
const authorization = { from: PAYER, to: PAY_TO, value: '1000', validAfter: String(now - 600), validBefore: String(now + 3600), nonce: '0x' + '0'.repeat(64) }
const payload = { x402Version: 2, resource: { url: 'http://127.0.0.1/paid', description: '', mimeType: '' }, accepted: requirements, payload: { signature: '0x' + '11'.repeat(65), authorization } }
const token = Buffer.from(JSON.stringify(payload)).toString('base64')
const request = { x402Version: 2, token, proof: { x402Version: 2, header: 'payment-signature', raw: token, payload }, requirements, paymentRequired: {}, amount: '1000' }
const body = JSON.stringify({ x402Version: 2, paymentPayload: payload, paymentRequirements: requirements })
const headers = { 'content-type': 'application/json', accept: 'application/json' }

const calls = {
  'bare fetch': async () => (await fetch(`${base}/verify`, { method: 'POST', headers, body })).arrayBuffer(),
  'bare fetch, own AbortSignal': async () => (await fetch(`${base}/verify`, { method: 'POST', headers, body, signal: new AbortController().signal })).arrayBuffer(),
  // The engine's deadline batches set no limit on listeners (0), as withDeadline does.
  'bare fetch, batch-like signal': async () => {
    const controller = new AbortController()
    setMaxListeners(0, controller.signal)
    return (await fetch(`${base}/verify`, { method: 'POST', headers, body, signal: controller.signal })).arrayBuffer()
  },
}
for (const [name, core] of Object.entries(cores)) {
  const facilitator = core.httpFacilitator({ url: base })
  calls[`httpFacilitator (${name}), engine`] = () => core.withDeadline('verify', 10_000, (signal) => facilitator.verify(request, signal))
  calls[`httpFacilitator (${name}), own AbortSignal`] = () => facilitator.verify(request, new AbortController().signal)
}

const names = Object.keys(calls)
const wall = Object.fromEntries(names.map((name) => [name, []]))
const cpu = Object.fromEntries(names.map((name) => [name, []]))
for (let i = 0; i < WARMUP + Number(rounds); i++) {
  for (const name of i % 2 ? names : [...names].reverse()) {
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    await calls[name]()
    const elapsed = performance.now() - started
    const used = process.cpuUsage(cpuBefore)
    if (i < WARMUP) continue
    wall[name].push(elapsed)
    cpu[name].push((used.user + used.system) / 1000)
  }
}
child.send('stop')

const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]
const fmt = (values) => `${quantile(values, 0.5).toFixed(3)} (${quantile(values, 0.25).toFixed(3)}-${quantile(values, 0.75).toFixed(3)})`
console.log(`one /verify call, facilitator answering after ${delayMs} ms, ${rounds} rounds; ms, p50 (p25-p75)`)
console.log(`${'call'.padEnd(40)} ${'client CPU'.padEnd(22)} wall`)
for (const name of names) console.log(`${name.padEnd(40)} ${fmt(cpu[name]).padEnd(22)} ${fmt(wall[name])}`)
