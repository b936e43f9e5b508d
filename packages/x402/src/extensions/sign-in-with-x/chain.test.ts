// sign-in-with-x on anvil: a smart-contract wallet (ERC-1271 TestWallet) signs in to a Tollgate route through
// the seller's chain verifier, and Tollgate's buyer pays once then signs in to a route of the REFERENCE server
// (@x402/hono with @x402/extensions' SIWX server extension), settling on anvil: interop in that direction.
import { ExactEvmScheme as ReferenceExactFacilitator } from '@x402/evm/exact/facilitator'
import { ExactEvmScheme as ReferenceExactServer } from '@x402/evm/exact/server'
import { declareSIWxExtension, createSIWxResourceServerExtension, InMemorySIWxStorage } from '@x402/extensions/sign-in-with-x'
import { paymentMiddleware, x402ResourceServer } from '@x402/hono'
import { Hono } from 'hono'
import { createPublicClient, hashMessage, http, type Address, type PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployTestWallet, usdcBalance, type AnvilClient, type AnvilInstance } from '../../evm/anvil.js'
import { createPaywall } from '../../engine/paywall.js'
import { exact } from '../../requirements/options.js'
import { createTestFacilitator } from '../../testing/facilitator.js'
import { exactPayer } from '../../client/exact-payer.js'
import { walletSignIn } from '../../client/sign-in-with-x.js'
import { wrapFetch } from '../../client/wrap-fetch.js'
import { listen } from '../../test-support/server.js'
import { referenceFacilitator } from '../../test-support/reference-facilitator.js'
import { useUsdcChain } from '../../test-support/usdc-chain.js'
import { recordSignInAccess, signInWithX } from './server.js'
import { boundedStore } from '../../store/memory.js'

const CHAIN_ID = 84532
const NETWORK = `eip155:${CHAIN_ID}` as const
const PRICE = 10_000n

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let url: string
let close: () => Promise<void>

useUsdcChain({ chainId: CHAIN_ID, ready: (chain) => ({ anvil, owner, buyer, payTo, token } = chain) })

beforeAll(async () => {
  const { client: facilitatorClient } = referenceFacilitator(anvil, anvil.accounts[5]!, NETWORK, (signer) => new ReferenceExactFacilitator(signer))
  const resourceServer = new x402ResourceServer(facilitatorClient).register(NETWORK, new ReferenceExactServer())
  const app = new Hono()
  // The reference server's origin is known once it listens: the extension is registered on first request.
  let registered = false
  app.use(async (c, next) => {
    if (!registered) {
      registered = true
      resourceServer.registerExtension(createSIWxResourceServerExtension({ storage: new InMemorySIWxStorage(), origin: new URL(c.req.url).origin }))
    }
    await next()
  })
  app.use(
    paymentMiddleware(
      {
        'GET /weather': {
          accepts: { scheme: 'exact', network: NETWORK, payTo, price: { amount: PRICE.toString(), asset: token, extra: { name: 'USDC', version: '2' } } },
          description: 'Weather',
          extensions: declareSIWxExtension({ network: NETWORK, statement: 'Sign in for the weather' }),
        },
      },
      resourceServer,
    ),
  )
  app.get('/weather', (c) => c.json({ weather: 'sunny' }))
  ;({ url, close } = await listen(app.fetch))
}, 60_000)

afterAll(async () => {
  await close?.()
})

describe('sign-in-with-x on a chain', () => {
  it('a smart-contract wallet (ERC-1271) signs in through the seller\'s verifier; without one it is refused', async () => {
    const walletOwner = anvil.accounts[3]!
    const wallet = await deployTestWallet(owner, walletOwner.address)
    // The TestWallet accepts a hash its owner signed: the owner signs the EIP-191 hash of the message.
    const signer = { address: wallet, signMessage: ({ message }: { message: string }) => walletOwner.sign({ hash: hashMessage(message) }) }
    const publicClient = createPublicClient({ chain: anvil.chain, transport: http(anvil.rpcUrl) })
    const store = boundedStore(100)
    const route = (verifyMessage?: typeof publicClient.verifyMessage) => {
      const paywall = createPaywall({
        facilitator: createTestFacilitator(),
        store,
        routes: { 'GET /report': { accepts: exact({ price: '$0.01', network: NETWORK, payTo }), extensions: [signInWithX({ accessMs: 60_000, ...(verifyMessage ? { verifyMessage } : {}) })] } },
      })
      return paywall.protect((_request, ctx) => Response.json({ payer: ctx.payer }))
    }
    // The wallet paid before (on another instance, say): its payment is on record in the shared Store.
    await recordSignInAccess(store, 'http://api.test/report', wallet, 60_000)
    const payer = { name: 'none', canPay: () => false, pay: async () => '' }

    const accepted = await wrapFetch(route(publicClient.verifyMessage), { payers: [payer], extensions: [walletSignIn(signer)] })('http://api.test/report')
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toEqual({ payer: wallet })

    const refused = await wrapFetch(route(), { payers: [payer], extensions: [walletSignIn(signer)] })('http://api.test/report').catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'no_payable_offer' })
  }, 60_000)

  it('Tollgate\'s buyer pays a reference route once, then signs in to it (reference SIWX hooks) without paying again', async () => {
    const balances = () => Promise.all([usdcBalance(owner, token, buyer.address), usdcBalance(owner, token, payTo)])
    const fetchWithSignIn = wrapFetch(fetch, { payers: [exactPayer(buyer)], extensions: [walletSignIn(buyer)] })
    const [buyerBefore, payToBefore] = await balances()
    const first = await fetchWithSignIn(`${url}/weather`)
    expect(first.status).toBe(200)
    expect(await balances()).toEqual([buyerBefore! - PRICE, payToBefore! + PRICE])

    const again = await fetchWithSignIn(`${url}/weather`)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ weather: 'sunny' })
    expect(again.headers.get('PAYMENT-RESPONSE')).toBeNull()
    expect(await balances()).toEqual([buyerBefore! - PRICE, payToBefore! + PRICE])
  }, 60_000)
})
