// The consumers scripts/pack-check.js runs in a scratch app where the packed tarballs are installed: each loads
// every package and subpath, and pays for a Hono route with the test kit, as a user's first try would.

/**
 * Which export each entry must have, as a function: every entry of every published package (each `exports`
 * subpath but ./package.json). pack-check.js refuses an entry missing here, so a new subpath gets its check.
 */
export const EXPECTED = {
  '@tollgate/x402': 'createPaywall',
  '@tollgate/x402/testing': 'createTestFacilitator',
  '@tollgate/x402/evm': 'localFacilitator',
  '@tollgate/x402/nevermined': 'nevermined',
  '@tollgate/x402/client': 'wrapFetch',
  '@tollgate/x402/extensions': 'paymentIdentifier',
  '@tollgate/x402/anvil': 'startAnvil',
  '@tollgate/x402/svm': 'svmExact',
  '@tollgate/x402/litesvm': 'createLiteSvmWorld',
  '@tollgate/hono': 'paywall',
  '@tollgate/next': 'withPaywall',
  '@tollgate/bun': 'withPaywall',
  '@tollgate/node': 'toNodeHandler',
  '@tollgate/node/fetch': 'toFetchRequest',
  '@tollgate/express': 'paywall',
  '@tollgate/fastify': 'fastifyPaywall',
  '@tollgate/redis': 'redisStore',
  '@tollgate/mcp': 'paidTool',
  '@tollgate/cli': 'run',
}

const ENTRIES = Object.keys(EXPECTED)

// One paid request through Hono, written once for both module systems (`load` is import or require).
const FLOW = `
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const expected = ${JSON.stringify(EXPECTED)}
for (const [entry, name] of Object.entries(expected)) {
  assert.equal(typeof modules[entry][name], 'function', entry + ' exports ' + name)
}
const { exact, isTollgateError, TollgateError } = modules['@tollgate/x402']
const { createTestFacilitator, payFor, readReceipt } = modules['@tollgate/x402/testing']
const { paywall } = modules['@tollgate/hono']
// One core for every entry: an error from /testing is the root entry's TollgateError.
const error = await payFor(new Response('free'), createTestFacilitator(), { payer: BUYER }).catch((caught) => caught)
assert.ok(isTollgateError(error) && error instanceof TollgateError, 'an error from /testing is a TollgateError of the root entry')

const facilitator = createTestFacilitator()
facilitator.fund(BUYER, 1_000_000n, { asset: USDC })
const app = new Hono()
app.use('/weather', paywall({ accepts: exact({ price: '$0.01', network: 'base-sepolia', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' }), facilitator }))
app.get('/weather', (c) => c.json({ paidBy: c.get('payment').payment?.payer }))
const unpaid = await app.request('/weather')
assert.equal(unpaid.status, 402)
const paid = await app.request('/weather', { headers: { 'PAYMENT-SIGNATURE': await payFor(unpaid, facilitator, { payer: BUYER }) } })
assert.equal(paid.status, 200)
assert.deepEqual(await paid.json(), { paidBy: BUYER })
assert.equal(readReceipt(paid)?.success, true)
`

const ESM = `import assert from 'node:assert/strict'
import { Hono } from 'hono'
const modules = {}
for (const entry of ${JSON.stringify(ENTRIES)}) modules[entry] = await import(entry)
${FLOW}
console.log('esm consumer: ok')
`

const CJS = `const assert = require('node:assert/strict')
const { Hono } = require('hono')
const modules = {}
for (const entry of ${JSON.stringify(ENTRIES)}) modules[entry] = require(entry)
;(async () => {
${FLOW}
console.log('cjs consumer: ok')
})().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
`

const TS = `import { Hono } from 'hono'
import { createPaywall, exact, isTollgateError, type PaymentContext, type Paywall, TollgateError } from '@tollgate/x402'
import { createTestFacilitator, payFor, type TestFacilitator } from '@tollgate/x402/testing'
import type { localFacilitator } from '@tollgate/x402/evm'
import type { nevermined } from '@tollgate/x402/nevermined'
import type { wrapFetch } from '@tollgate/x402/client'
import type { startAnvil } from '@tollgate/x402/anvil'
import type { paymentIdentifier } from '@tollgate/x402/extensions'
import type { svmExact } from '@tollgate/x402/svm'
import type { createLiteSvmWorld } from '@tollgate/x402/litesvm'
import type { toFetchRequest } from '@tollgate/node/fetch'
import { paywall } from '@tollgate/hono'
import { withPaywall as nextPaywall } from '@tollgate/next'
import { withPaywall as bunPaywall } from '@tollgate/bun'
import { toNodeHandler } from '@tollgate/node'
import { paywall as expressPaywall } from '@tollgate/express'
import { fastifyPaywall } from '@tollgate/fastify'
import { redisStore } from '@tollgate/redis'
import { paidTool } from '@tollgate/mcp'
import type { run } from '@tollgate/cli'

const facilitator: TestFacilitator = createTestFacilitator()
const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' })
const core: Paywall = createPaywall({ facilitator, routes: { 'GET /weather': usdc } })
const app = new Hono()
app.use('/weather', paywall({ accepts: usdc, facilitator }))
app.get('/weather', (c) => {
  const ctx: PaymentContext = c.get('payment')
  return c.json({ paidBy: ctx.payment?.payer ?? null })
})
export const GET = nextPaywall(async (_request, { payment }) => Response.json({ paidBy: payment.payment?.payer }), { facilitator, accepts: usdc })
export const used = [core, bunPaywall, toNodeHandler, expressPaywall, fastifyPaywall, redisStore, paidTool, payFor] as const
export type Entries = [typeof localFacilitator, typeof nevermined, typeof wrapFetch, typeof startAnvil, typeof paymentIdentifier, typeof svmExact, typeof createLiteSvmWorld, typeof toFetchRequest, typeof run]
export function code(error: unknown): string | undefined {
  return isTollgateError(error) ? error.code : error instanceof TollgateError ? 'never' : undefined
}
`

const CTS = `import x402 = require('@tollgate/x402')
import testing = require('@tollgate/x402/testing')
import hono = require('@tollgate/hono')

const facilitator: testing.TestFacilitator = testing.createTestFacilitator()
export const middleware = hono.paywall({ accepts: x402.exact({ price: '$0.01', network: 'base-sepolia', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' }), facilitator })
export const isError = (error: unknown): error is x402.TollgateError => x402.isTollgateError(error)
`

export const CONSUMERS = { 'consumer.mjs': ESM, 'consumer.cjs': CJS, 'consumer.ts': TS, 'consumer-cjs.cts': CTS }

const compilerOptions = { target: 'es2022', lib: ['es2023', 'dom'], strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }
export const TSCONFIGS = {
  'tsconfig.nodenext.json': { compilerOptions: { ...compilerOptions, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['consumer.ts', 'consumer-cjs.cts'] },
  'tsconfig.bundler.json': { compilerOptions: { ...compilerOptions, module: 'preserve', moduleResolution: 'bundler' }, files: ['consumer.ts'] },
}
