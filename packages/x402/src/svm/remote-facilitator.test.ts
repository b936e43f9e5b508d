// A Solana route paid through httpFacilitator: localSvmFacilitator served over the standard HTTP API, its fee payer
// read from /supported's `extra` and put in the offer as with the local facilitator, then paid by svmPayer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePaymentRequired } from '../codec/headers.js'
import { svmPayer } from '../client/svm-payer.js'
import { wrapFetch } from '../client/wrap-fetch.js'
import { createPaywall } from '../engine/paywall.js'
import { httpFacilitator } from '../facilitator/http.js'
import { standardApi } from '../facilitator/standard-api-test-support.js'
import { svmExact } from '../schemes/svm-exact/options.js'
import { listen, type TestServer } from '../test-support/server.js'
import { localSvmFacilitator } from './facilitator.js'
import { liteSvmRpc } from './litesvm-rpc.js'
import { startSvmCast, type SvmCast } from './test-support.js'

let cast: SvmCast
let server: TestServer
beforeAll(async () => {
  cast = await startSvmCast()
  server = await listen(standardApi(localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer })))
})
afterAll(() => server?.close())

const routes = () => ({ 'GET /report': svmExact({ price: '$0.01', network: 'solana-devnet', payTo: cast.seller.address }) })

describe('exact on Solana through httpFacilitator', () => {
  it('before /supported was read, the offer has no fee payer: refused when the paywall is created, saying what to do', () => {
    expect(() => createPaywall({ facilitator: httpFacilitator({ url: server.url }), routes: routes() })).toThrow(/extra\.feePayer.*supported\(\) before createPaywall/)
  })

  it("names the remote facilitator's fee payer in the offer and is paid: 0.01 USDC moved, the fee payer paid the fee", async () => {
    const facilitator = httpFacilitator({ url: server.url })
    await facilitator.supported()
    expect(facilitator.offerExtra({ scheme: 'exact', network: cast.world.network })).toEqual({ feePayer: cast.feePayer.address })
    const app = createPaywall({ facilitator, routes: routes() }).protect(async () => Response.json({ report: 'ok' }))

    const unpaid = decodePaymentRequired((await app(new Request('https://shop.example/report'))).headers.get('PAYMENT-REQUIRED')!)
    expect(unpaid.ok && unpaid.value.accepts[0]!.extra).toMatchObject({ feePayer: cast.feePayer.address })

    const before = [await cast.world.tokenBalance(cast.buyer.address), await cast.world.tokenBalance(cast.seller.address)]
    const feePayerSol = cast.world.solBalance(cast.feePayer.address)
    const paying = wrapFetch(app, { payers: [svmPayer(cast.buyer, { rpc: liteSvmRpc(cast.world.svm) })] })
    const response = await paying('https://shop.example/report')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ report: 'ok' })
    expect([await cast.world.tokenBalance(cast.buyer.address), await cast.world.tokenBalance(cast.seller.address)]).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
    expect(cast.world.solBalance(cast.feePayer.address)).toBeLessThan(feePayerSol)
  })
})
