// The main entry must run unchanged where only web platform APIs exist (edge runtimes, Deno, Bun, browsers):
// bundle it for the browser platform, then run a paid request inside a bare V8 context that has the web globals
// and none of Node's (no process, Buffer, require).
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { bundleForBrowser, forbiddenInputs, runOnTheEdge } from './test-support/edge.js'

const entry = fileURLToPath(new URL('./index.ts', import.meta.url))
const testingEntry = fileURLToPath(new URL('./testing/index.ts', import.meta.url))

const bundle = () =>
  bundleForBrowser(
    `export * from ${JSON.stringify(entry)}; export { createTestFacilitator, paidRequest, payFor } from ${JSON.stringify(testingEntry)}`,
    fileURLToPath(new URL('.', import.meta.url)),
  )

describe('edge runtimes', () => {
  it('bundles for the browser platform with no Node built-ins and no viem', async () => {
    const { inputs } = await bundle()
    expect(forbiddenInputs(inputs)).toEqual([])
  })

  it('serves a paid request in a context without process, Buffer or require', async () => {
    const { code } = await bundle()
    const run = runOnTheEdge(`${code}
    ;(async () => {
      if (typeof process + typeof Buffer + typeof require !== 'undefinedundefinedundefined') throw new Error('Node globals leaked in')
      const { createPaywall, exact, createTestFacilitator, paidRequest, payFor } = tollgate
      const buyer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
      const price = exact({ price: '$0.01', network: 'base-sepolia', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' })
      const facilitator = createTestFacilitator()
      facilitator.fund(buyer, 50000, { asset: price.requirements.asset })
      const app = createPaywall({ facilitator, routes: { '/x': price } }).protect(() => new Response('paid content'))
      const unpaid = await app(new Request('https://edge.example/x'))
      const token = await payFor(unpaid, facilitator, { payer: buyer })
      const paid = await app(paidRequest('https://edge.example/x', token))
      return [unpaid.status, paid.status, await paid.text(), paid.headers.has('PAYMENT-RESPONSE')]
    })()`)
    expect(await run).toEqual([402, 200, 'paid content', true])
  })
})
