// Interop both ways on one LiteSVM: the reference x402 SVM client (@x402/svm 2.27 through @x402/fetch) pays a
// Tollgate Solana route, in v2 and in v1 (X-PAYMENT); Tollgate's svmPayer pays a route of the reference server
// (@x402/hono) settled by the reference SVM facilitator. The reference parts reach the chain through our LiteSVM
// JSON-RPC (over HTTP for the client, kit's custom transport for the facilitator). Balances before and after each.
import { x402Facilitator } from '@x402/core/facilitator'
import type { FacilitatorClient } from '@x402/core/server'
import { wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { paymentMiddleware, x402ResourceServer } from '@x402/hono'
import { toFacilitatorSvmSigner } from '@x402/svm'
import { ExactSvmScheme as ReferenceSvmClient } from '@x402/svm/exact/client'
import { ExactSvmScheme as ReferenceSvmFacilitator } from '@x402/svm/exact/facilitator'
import { ExactSvmScheme as ReferenceSvmServer } from '@x402/svm/exact/server'
import { ExactSvmSchemeV1 as ReferenceSvmClientV1 } from '@x402/svm/v1'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getPayment } from '../client/receipt.js'
import { svmPayer } from '../client/svm-payer.js'
import { wrapFetch } from '../client/wrap-fetch.js'
import { createPaywall } from '../engine/paywall.js'
import { svmExact } from '../schemes/svm-exact/options.js'
import { SOLANA_DEVNET } from './constants.js'
import { localSvmFacilitator } from './facilitator.js'
import { liteSvmRpc } from './litesvm-rpc.js'
import { serveLiteSvmRpc, type LiteSvmRpcServer } from './litesvm-rpc-server.js'
import { startSvmCast, type SvmCast } from './test-support.js'

let cast: SvmCast
let rpc: LiteSvmRpcServer
beforeAll(async () => {
  cast = await startSvmCast()
  rpc = await serveLiteSvmRpc(cast.world.svm)
})
afterAll(() => rpc?.close())

const balances = async () => [await cast.world.tokenBalance(cast.buyer.address), await cast.world.tokenBalance(cast.seller.address)]

/** A fetch answered by `app`, optionally without the v2 header (so that a client falls back to the v1 body). */
function served(app: (request: Request) => Promise<Response>, v1Only = false): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await app(new Request(input, init))
    if (!v1Only || response.status !== 402) return response
    const headers = new Headers(response.headers)
    headers.delete('PAYMENT-REQUIRED')
    return new Response(response.body, { status: 402, headers })
  }) as typeof fetch
}

function tollgateShop() {
  const facilitator = localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer })
  const paywall = createPaywall({ routes: { 'GET /report': svmExact({ price: '$0.01', network: 'solana-devnet', payTo: cast.seller.address }) }, facilitator })
  return paywall.protect(async () => Response.json({ report: 'ok' }))
}

describe('the reference @x402/svm client pays a Tollgate Solana route', () => {
  it('v2 (PAYMENT-SIGNATURE): 200, the receipt names the transaction, 0.01 USDC moved', async () => {
    const before = await balances()
    const client = new x402Client().register('solana:*', new ReferenceSvmClient(cast.buyer, { rpcUrl: rpc.url }))
    const response = await wrapFetchWithPayment(served(tollgateShop()), client)('https://shop.example/report')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ report: 'ok' })
    const receipt = JSON.parse(atob(response.headers.get('PAYMENT-RESPONSE')!)) as { success: boolean; transaction: string }
    expect(receipt).toMatchObject({ success: true, network: SOLANA_DEVNET, payer: cast.buyer.address })
    expect(cast.world.svm.getTransaction(receipt.transaction as never)).not.toBeNull()
    expect(await balances()).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
  })

  it('v1 (X-PAYMENT, network "solana-devnet")', async () => {
    const before = await balances()
    const client = new x402Client().registerV1('solana-devnet', new ReferenceSvmClientV1(cast.buyer, { rpcUrl: rpc.url }))
    const response = await wrapFetchWithPayment(served(tollgateShop(), true), client)('https://shop.example/report')
    expect(response.status).toBe(200)
    expect(await balances()).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
  })
})

describe("Tollgate's svmPayer pays a route of the reference server and facilitator", () => {
  it('200 with the reference receipt, 0.01 USDC moved, the fee paid by the reference fee payer', async () => {
    // A kit RPC is a Proxy that `in` does not see through, so the reference would take it for a per-network map:
    // give it that map.
    const rpcForEveryNetwork = { '*': liteSvmRpc(cast.world.svm) } as unknown as Parameters<typeof toFacilitatorSvmSigner>[1]
    const facilitator = new x402Facilitator().register(SOLANA_DEVNET, new ReferenceSvmFacilitator(toFacilitatorSvmSigner(cast.feePayer, rpcForEveryNetwork)))
    const client: FacilitatorClient = {
      verify: (payload, requirements) => facilitator.verify(payload, requirements),
      settle: (payload, requirements) => facilitator.settle(payload, requirements),
      getSupported: async () => facilitator.getSupported() as Awaited<ReturnType<FacilitatorClient['getSupported']>>,
    }
    const server = new x402ResourceServer(client).register(SOLANA_DEVNET, new ReferenceSvmServer())
    const app = new Hono()
    app.use(paymentMiddleware({ 'GET /weather': { accepts: { scheme: 'exact', network: SOLANA_DEVNET, payTo: cast.seller.address, price: '$0.01' } } }, server))
    app.get('/weather', (c) => c.json({ weather: 'sunny' }))

    const before = await balances()
    const feePayerSol = cast.world.solBalance(cast.feePayer.address)
    const paying = wrapFetch(served(async (request) => app.fetch(request)), { payers: [svmPayer(cast.buyer, { rpc: liteSvmRpc(cast.world.svm) })] })
    const response = await paying('https://reference.example/weather')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ weather: 'sunny' })
    expect(getPayment(response)?.receipt).toMatchObject({ success: true, network: SOLANA_DEVNET })
    expect(await balances()).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
    expect(cast.world.solBalance(cast.feePayer.address)).toBeLessThan(feePayerSol)
  })
})
