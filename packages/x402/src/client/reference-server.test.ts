// Our paying fetch against the REFERENCE x402 server (@x402/hono) and the reference in-process facilitator
// (@x402/core + @x402/evm), settling on anvil with our TestUSDC: interoperability, not just self-consistency.
import { ExactEvmScheme as ReferenceExactFacilitator } from '@x402/evm/exact/facilitator'
import { ExactEvmScheme as ReferenceExactServer } from '@x402/evm/exact/server'
import { paymentMiddleware, x402ResourceServer } from '@x402/hono'
import { Hono } from 'hono'
import type { Address, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { usdcBalance, type AnvilClient, type AnvilInstance, startUsdcChain } from '../evm/anvil.js'
import { isTollgateError } from '../errors.js'
import { exactPayer } from './exact-payer.js'
import { getPayment, getReceipt } from './receipt.js'
import { wrapFetch } from './wrap-fetch.js'
import { listen } from '../test-support/server.js'
import { referenceFacilitator } from '../test-support/reference-facilitator.js'

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

beforeAll(async () => {
  ;({ anvil, owner, buyer, payTo, token } = await startUsdcChain({ chainId: CHAIN_ID }))

  // The reference facilitator, in-process, submitting with anvil's account 5 through a viem wallet client.
  const { client: facilitatorClient } = referenceFacilitator(anvil, anvil.accounts[5]!, NETWORK, (signer) => new ReferenceExactFacilitator(signer))
  const resourceServer = new x402ResourceServer(facilitatorClient).register(NETWORK, new ReferenceExactServer())

  const app = new Hono()
  app.use(
    paymentMiddleware(
      {
        'GET /weather': {
          accepts: { scheme: 'exact', network: NETWORK, payTo, price: { amount: PRICE.toString(), asset: token, extra: { name: 'USDC', version: '2' } } },
          description: 'Weather',
        },
        'GET /pricey': {
          accepts: { scheme: 'exact', network: NETWORK, payTo, price: { amount: '500000', asset: token, extra: { name: 'USDC', version: '2' } } },
        },
      },
      resourceServer,
    ),
  )
  app.get('/weather', (c) => c.json({ weather: 'sunny' }))
  app.get('/pricey', (c) => c.json({ weather: 'golden' }))

  ;({ url, close } = await listen(app.fetch))
}, 60_000)

afterAll(async () => {
  await close?.()
  await anvil?.stop()
})

const balances = () => Promise.all([usdcBalance(owner, token, buyer.address), usdcBalance(owner, token, payTo)])

describe('wrapFetch + exactPayer against the reference @x402/hono server', () => {
  it('pays: 200, the reference receipt, balances moved by exactly the price', async () => {
    const [buyerBefore, payToBefore] = await balances()
    const response = await wrapFetch(fetch, { payers: [exactPayer(buyer)] })(`${url}/weather`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ weather: 'sunny' })
    expect(getPayment(response)).toMatchObject({ header: 'PAYMENT-SIGNATURE', offer: { x402Version: 2 } })
    const receipt = getReceipt(response)!
    expect(receipt).toMatchObject({ success: true, network: NETWORK })
    expect((await owner.getTransactionReceipt({ hash: receipt.transaction as `0x${string}` })).status).toBe('success')
    expect(await balances()).toEqual([buyerBefore! - PRICE, payToBefore! + PRICE])
  })

  it('keeps to the spend cap with the reference server too', async () => {
    const before = await balances()
    const error = await wrapFetch(fetch, { payers: [exactPayer(buyer)] })(`${url}/pricey`).catch((e: unknown) => e)
    expect(isTollgateError(error) && error.code).toBe('over_spend_cap')
    expect(await balances()).toEqual(before)
  })
})
