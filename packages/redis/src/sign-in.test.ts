// sign-in-with-x across instances on a shared Redis: a buyer pays on instance A and signs in on instance B (the
// payment's record is in Redis), and the same sign-in replayed on A is refused (its nonce is spent in Redis).
import { createPaywall, exact } from '@tollgate/x402'
import { walletSignIn, wrapFetch, type Payer } from '@tollgate/x402/client'
import { recordSignInAccess, signInWithX } from '@tollgate/x402/extensions'
import { createTestFacilitator } from '@tollgate/x402/testing'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { redisStore } from './index.js'
import { connect, startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

const NETWORK = 'eip155:84532'
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const buyer = privateKeyToAccount(generatePrivateKey())

let redis: RedisServer
let client: Awaited<ReturnType<typeof connect>>

setupOnce(async () => {
  redis = await startRedisServer()
  client = await connect(redis)
})

afterAll(async () => {
  client?.destroy()
  await redis?.stop()
})

describe('sign-in-with-x on a shared Redis', () => {
  it('pays on A, signs in on B, and a replay of that sign-in on A is refused', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(buyer.address, 1_000_000n, { asset: USDC })
    const instance = (name: string) =>
      createPaywall({
        facilitator,
        store: redisStore({ client }),
        routes: { 'GET /report': { accepts: exact({ price: '$0.01', network: NETWORK, payTo: PAY_TO }), extensions: [signInWithX({ accessMs: 60_000 })] } },
      }).protect((_request, ctx) => Response.json({ servedBy: name, payer: ctx.payer, paid: ctx.payment !== undefined }))
    const a = instance('a')
    const b = instance('b')
    const payer: Payer & { paid: number } = {
      name: 'test',
      paid: 0,
      canPay: () => true,
      async pay({ offer }) {
        payer.paid++
        return facilitator.mint({ requirements: offer.requirements, payer: buyer.address, resource: offer.resource })
      },
    }

    const paid = await wrapFetch(a, { payers: [payer] })('http://api.test/report')
    expect(await paid.json()).toEqual({ servedBy: 'a', payer: buyer.address, paid: true })

    let header: string | null = null
    const watching = async (request: Request) => {
      header = request.headers.get('SIGN-IN-WITH-X') ?? header
      return b(request)
    }
    const signedIn = await wrapFetch(watching, { payers: [payer], extensions: [walletSignIn(buyer)] })('http://api.test/report')
    expect(await signedIn.json()).toEqual({ servedBy: 'b', payer: buyer.address, paid: false })
    expect(payer.paid).toBe(1)
    // The payment's record, the nonces of the two 402s (A's, then B's) and B's nonce, spent.
    expect((await client.keys('tollgate:tg:siwx:*')).map((key) => key.split(':').slice(0, 4).join(':')).sort()).toEqual([
      'tollgate:tg:siwx:issued',
      'tollgate:tg:siwx:issued',
      'tollgate:tg:siwx:nonce',
      'tollgate:tg:siwx:paid',
    ])

    const replayed = await a(new Request('http://api.test/report', { headers: { 'SIGN-IN-WITH-X': header! } }))
    expect(replayed.status).toBe(402)
    expect(JSON.parse(atob(replayed.headers.get('PAYMENT-REQUIRED')!)).error).toBe('invalid_siwx_nonce')
  })

  it('a challenge issued by A signs in on B; a nonce neither issued is refused', async () => {
    const facilitator = createTestFacilitator()
    const instance = () =>
      createPaywall({
        facilitator,
        store: redisStore({ client }),
        routes: { 'GET /report': { accepts: exact({ price: '$0.01', network: NETWORK, payTo: PAY_TO }), extensions: [signInWithX({ accessMs: 60_000 })] } },
      }).protect((_request, ctx) => Response.json({ payer: ctx.payer, paid: ctx.payment !== undefined }))
    const a = instance()
    const b = instance()
    await recordSignInAccess(redisStore({ client }), 'http://api.test/report', buyer.address, 60_000)
    const challenge = JSON.parse(atob((await a(new Request('http://api.test/report'))).headers.get('PAYMENT-REQUIRED')!)).extensions['sign-in-with-x']
    const signIn = async (info: Record<string, unknown>) => {
      const demand = { paymentRequired: { extensions: { 'sign-in-with-x': { ...challenge, info } } } } as never
      const header = (await walletSignIn(buyer).signIn!({ demand, request: new Request('http://api.test/report'), url: 'http://api.test/report' }))!
      return b(new Request('http://api.test/report', { headers: header }))
    }
    const forged = await signIn({ ...challenge.info, nonce: 'a1b2c3d4e5f67890a1b2c3d4e5f67890' })
    expect(forged.status).toBe(402)
    expect(JSON.parse(atob(forged.headers.get('PAYMENT-REQUIRED')!)).error).toBe('invalid_siwx_nonce')
    const signedIn = await signIn(challenge.info)
    expect(await signedIn.json()).toEqual({ payer: buyer.address, paid: false })
  })
})
