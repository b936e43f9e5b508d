// @tollgate/x402/client must run in browsers and edge runtimes: bundle it for the browser platform (no Node
// built-ins, no viem), then pay a 402 inside a bare V8 context that has the web globals and none of Node's.
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { bundleForBrowser, forbiddenInputs, runOnTheEdge } from '../test-support/edge.js'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

const bundle = (contents: string) => bundleForBrowser(contents, here('.'))

describe('@tollgate/x402/client in edge runtimes', () => {
  it('bundles for the browser with no Node built-ins and no viem', async () => {
    const { inputs } = await bundle(`export * from ${JSON.stringify(here('./index.ts'))}`)
    expect(inputs.some((input) => input.endsWith('client/wrap-fetch.ts'))).toBe(true)
    expect(forbiddenInputs(inputs)).toEqual([])
  })

  it('pays a 402 inside a bare V8 context', async () => {
    const { code } = await bundle(
      [
        `export * from ${JSON.stringify(here('./index.ts'))}`,
        `export { createPaywall, exact } from ${JSON.stringify(here('../index.ts'))}`,
        `export { createTestFacilitator } from ${JSON.stringify(here('../testing/index.ts'))}`,
      ].join('\n'),
    )
    const script = `${code}
      ;(async () => {
        const { wrapFetch, getReceipt, createPaywall, exact, createTestFacilitator } = tollgate
        const facilitator = createTestFacilitator()
        const payTo = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
        const offer = exact({ price: '$0.01', network: 'base-sepolia', payTo })
        facilitator.fund('0xBuyer', 100000, { asset: offer.requirements.asset })
        const server = createPaywall({ facilitator, routes: { 'GET /weather': offer } }).protect(() => Response.json({ sunny: true }))
        const payer = {
          name: 'test',
          canPay: () => true,
          pay: async ({ offer }) => facilitator.mint({ requirements: offer.requirements, payer: '0xBuyer', resource: offer.resource }),
        }
        const response = await wrapFetch(server, { payers: [payer] })('https://api.example/weather')
        return { status: response.status, body: await response.json(), receipt: getReceipt(response), hasProcess: typeof process }
      })()`
    const result = await (runOnTheEdge(script) as Promise<unknown>)
    expect(result).toMatchObject({ status: 200, body: { sunny: true }, receipt: { success: true, payer: '0xBuyer' }, hasProcess: 'undefined' })
  })
})
