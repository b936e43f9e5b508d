// Our paying fetch against the REFERENCE x402 server (@x402/hono) and the reference in-process facilitator
// (@x402/core + @x402/evm), settling on anvil with our TestUSDC: interoperability, not just self-consistency.
import { ExactEvmScheme as ReferenceExactFacilitator } from '@x402/evm/exact/facilitator'
import { ExactEvmScheme as ReferenceExactServer } from '@x402/evm/exact/server'
import { paymentMiddleware, x402ResourceServer } from '@x402/hono'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { usdcBalance } from '../evm/anvil.js'
import { isTollgateError } from '../errors.js'
import { exactPayer } from './exact-payer.js'
import { getPayment, getReceipt } from './receipt.js'
import { wrapFetch } from './wrap-fetch.js'
import { listen } from '../test-support/server.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { referenceFacilitator } from '../test-support/reference-facilitator.js'

const CHAIN_ID = 84532
const NETWORK = `eip155:${CHAIN_ID}` as const
const PRICE = 10_000n

const chain = useUsdcChain({ chainId: CHAIN_ID, price: PRICE })
let url: string
let close: () => Promise<void>

beforeAll(async () => {
  // The reference facilitator, in-process, submitting with anvil's account 5 through a viem wallet client.
  const { client: facilitatorClient } = referenceFacilitator(chain.anvil, chain.anvil.accounts[5]!, NETWORK, (signer) => new ReferenceExactFacilitator(signer))
  const resourceServer = new x402ResourceServer(facilitatorClient).register(NETWORK, new ReferenceExactServer())

  const app = new Hono()
  app.use(
    paymentMiddleware(
      {
        'GET /weather': {
          accepts: { scheme: 'exact', network: NETWORK, payTo: chain.payTo, price: { amount: PRICE.toString(), asset: chain.token, extra: { name: 'USDC', version: '2' } } },
          description: 'Weather',
        },
        'GET /pricey': {
          accepts: { scheme: 'exact', network: NETWORK, payTo: chain.payTo, price: { amount: '500000', asset: chain.token, extra: { name: 'USDC', version: '2' } } },
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
})

const balances = () => Promise.all([usdcBalance(chain.owner, chain.token, chain.buyer.address), usdcBalance(chain.owner, chain.token, chain.payTo)])

describe('wrapFetch + exactPayer against the reference @x402/hono server', () => {
  it('pays: 200, the reference receipt, balances moved by exactly the price', async () => {
    const [buyerBefore, payToBefore] = await balances()
    const response = await wrapFetch(fetch, { payers: [exactPayer(chain.buyer)] })(`${url}/weather`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ weather: 'sunny' })
    expect(getPayment(response)).toMatchObject({ header: 'PAYMENT-SIGNATURE', offer: { x402Version: 2 } })
    const receipt = getReceipt(response)!
    expect(receipt).toMatchObject({ success: true, network: NETWORK })
    expect((await chain.owner.getTransactionReceipt({ hash: receipt.transaction as `0x${string}` })).status).toBe('success')
    expect(await balances()).toEqual([buyerBefore! - PRICE, payToBefore! + PRICE])
  })

  it('keeps to the spend cap with the reference server too', async () => {
    const before = await balances()
    const error = await wrapFetch(fetch, { payers: [exactPayer(chain.buyer)] })(`${url}/pricey`).catch((e: unknown) => e)
    expect(isTollgateError(error) && error.code).toBe('over_spend_cap')
    expect(await balances()).toEqual(before)
  })
})
