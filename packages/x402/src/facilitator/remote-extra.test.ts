// httpFacilitator fills offers from /supported's `extra` as a local facilitator does from offerExtra: here a
// batch-settlement offer whose receiverAuthorizer the remote facilitator names, and an offer's own keys winning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePaymentRequired } from '../codec/headers.js'
import { createPaywall } from '../engine/paywall.js'
import { batchSettlement } from '../schemes/evm-batch-settlement/options.js'
import { listen, type TestServer } from '../test-support/server.js'
import { httpFacilitator } from './http.js'
import { standardApi } from './standard-api-test-support.js'
import type { Facilitator } from './types.js'

const NETWORK = 'eip155:84532'
const AUTHORIZER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

const remote: Facilitator = {
  name: 'remote',
  verify: async () => ({ isValid: false, invalidReason: 'unused' }),
  settle: async () => ({ success: false, errorReason: 'unused', transaction: '', network: NETWORK }),
  supported: async () => [
    { x402Version: 2, scheme: 'batch-settlement', network: NETWORK, extra: { receiverAuthorizer: AUTHORIZER } },
    { x402Version: 1, scheme: 'batch-settlement', network: 'base-sepolia', extra: { receiverAuthorizer: '0x0000000000000000000000000000000000000001' } },
  ],
}

let server: TestServer
beforeAll(async () => {
  server = await listen(standardApi(remote))
})
afterAll(() => server?.close())

const offerOf = async (app: (request: Request) => Promise<Response>) => {
  const decoded = decodePaymentRequired((await app(new Request('https://shop.example/meter'))).headers.get('PAYMENT-REQUIRED')!)
  if (!decoded.ok) throw decoded.error
  return decoded.value.accepts[0]!
}

describe("httpFacilitator: offers filled from /supported's extra", () => {
  it("a batch-settlement offer takes the remote facilitator's receiverAuthorizer (v2 kind), once /supported was read", async () => {
    const facilitator = httpFacilitator({ url: server.url })
    const routes = { 'GET /meter': batchSettlement({ price: '$0.001', network: NETWORK, payTo: PAY_TO }) }
    expect(facilitator.offerExtra({ scheme: 'batch-settlement', network: NETWORK })).toBeUndefined()
    expect(() => createPaywall({ facilitator, routes })).toThrow(/receiverAuthorizer/)
    await facilitator.supported()
    const app = createPaywall({ facilitator, routes }).protect(() => new Response('ok'))
    expect((await offerOf(app)).extra).toMatchObject({ receiverAuthorizer: AUTHORIZER })
  })

  it('reads the kind of the network, else a kind whose network ends in * (solana:*), v2 only', async () => {
    const kinds = [
      { x402Version: 1, scheme: 'exact', network: 'solana-devnet', extra: { feePayer: 'v1' } },
      { x402Version: 2, scheme: 'exact', network: 'solana:*', extra: { feePayer: 'any' } },
      { x402Version: 2, scheme: 'exact', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1', extra: { feePayer: 'devnet' } },
    ]
    const facilitator = httpFacilitator({ url: 'https://facilitator.example', fetch: async () => Response.json({ kinds, extensions: [], signers: {} }) })
    await facilitator.supported()
    expect(facilitator.offerExtra({ scheme: 'exact', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1' })).toEqual({ feePayer: 'devnet' })
    expect(facilitator.offerExtra({ scheme: 'exact', network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp' })).toEqual({ feePayer: 'any' })
    expect(facilitator.offerExtra({ scheme: 'exact', network: 'eip155:8453' })).toBeUndefined()
    expect(facilitator.offerExtra({ scheme: 'upto', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1' })).toBeUndefined()
  })

  it('of several kinds whose network covers the offer, reads the narrowest, as combineFacilitators routes', async () => {
    const kinds = [
      { x402Version: 2, scheme: 'exact', network: '*', extra: { feePayer: 'anywhere' } },
      { x402Version: 2, scheme: 'exact', network: 'solana:*', extra: { feePayer: 'solana' } },
    ]
    const facilitator = httpFacilitator({ url: 'https://facilitator.example', fetch: async () => Response.json({ kinds, extensions: [], signers: {} }) })
    await facilitator.supported()
    expect(facilitator.offerExtra({ scheme: 'exact', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1' })).toEqual({ feePayer: 'solana' })
    expect(facilitator.offerExtra({ scheme: 'exact', network: 'eip155:8453' })).toEqual({ feePayer: 'anywhere' })
  })

  it("the offer's own keys win over the facilitator's", async () => {
    const facilitator = httpFacilitator({ url: server.url })
    await facilitator.supported()
    const own = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65'
    const routes = { 'GET /meter': batchSettlement({ price: '$0.001', network: NETWORK, payTo: PAY_TO, receiverAuthorizer: own }) }
    const app = createPaywall({ facilitator, routes }).protect(() => new Response('ok'))
    expect((await offerOf(app)).extra).toMatchObject({ receiverAuthorizer: own })
  })
})
