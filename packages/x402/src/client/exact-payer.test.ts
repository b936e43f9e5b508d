// The paying fetch with the exact EVM payer against our own server over HTTP: createPaywall + localFacilitator
// on anvil, real signatures and real TestUSDC balances.
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPaywall } from '../engine/paywall.js'
import { usdcBalance } from '../evm/anvil.js'
import { localFacilitator } from '../evm/facilitator.js'
import { isTollgateError, type TollgateError } from '../errors.js'
import { exact, plan } from '../requirements/options.js'
import { exactPayer } from './exact-payer.js'
import { getPayment, getReceipt } from './receipt.js'
import { v1Only } from './test-support.js'
import { listen, type TestServer } from '../test-support/server.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import type { Offer } from './types.js'
import { wrapFetch } from './wrap-fetch.js'

// Base Sepolia's chain id, so that v1's network name `base-sepolia` means this chain.
const CHAIN_ID = 84532
const PRICE = 10_000n

const chain = useUsdcChain({ chainId: CHAIN_ID, price: PRICE })
let v2Server: TestServer
let v1Server: TestServer

beforeAll(async () => {
  const asset = { address: chain.token, name: 'USDC', version: '2' }
  const paywall = createPaywall({
    facilitator: localFacilitator({ rpcUrl: chain.anvil.rpcUrl, settler: chain.anvil.privateKeys[5]!, pollingIntervalMs: 50 }),
    routes: {
      'GET /weather': exact({ amount: PRICE, network: `eip155:${CHAIN_ID}`, payTo: chain.payTo, asset }),
      'POST /echo': exact({ amount: PRICE, network: `eip155:${CHAIN_ID}`, payTo: chain.payTo, asset }),
      'GET /pricey': exact({ price: '$0.50', network: `eip155:${CHAIN_ID}`, payTo: chain.payTo, asset }),
    },
  })
  const app = paywall.protect(async (request, ctx) => Response.json({ paidBy: ctx.payment?.payer, body: request.method === 'POST' ? await request.json() : null }))
  v2Server = await listen(app)
  v1Server = await listen(v1Only(app))
}, 60_000)

afterAll(async () => {
  await v2Server?.close()
  await v1Server?.close()
})

const balances = () => Promise.all([usdcBalance(chain.owner, chain.token, chain.buyer.address), usdcBalance(chain.owner, chain.token, chain.payTo)])

async function caught(promise: Promise<unknown>): Promise<TollgateError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  if (!isTollgateError(error)) throw new Error(`expected a TollgateError, got ${String(error)}`)
  return error
}

describe('exactPayer + wrapFetch against createPaywall and localFacilitator on anvil', () => {
  it('pays a v2 server: 200, a real transaction, balances moved by exactly the price', async () => {
    const [buyerBefore, payToBefore] = await balances()
    const response = await wrapFetch(fetch, { payers: [exactPayer(chain.buyer)] })(`${v2Server.url}/weather`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ paidBy: chain.buyer.address, body: null })
    const receipt = getReceipt(response)!
    expect(receipt).toMatchObject({ success: true, payer: chain.buyer.address, network: `eip155:${CHAIN_ID}` })
    const mined = await chain.owner.getTransactionReceipt({ hash: receipt.transaction as `0x${string}` })
    expect(mined.status).toBe('success')
    expect(await balances()).toEqual([buyerBefore! - PRICE, payToBefore! + PRICE])
  })

  it('pays a v1 server (402 body only) with X-PAYMENT', async () => {
    const [buyerBefore, payToBefore] = await balances()
    const response = await wrapFetch(fetch, { payers: [exactPayer(chain.buyer)] })(`${v1Server.url}/weather`)
    expect(response.status).toBe(200)
    expect(getPayment(response)).toMatchObject({ header: 'X-PAYMENT', offer: { x402Version: 1, raw: { network: 'base-sepolia' } } })
    expect(response.headers.get('X-PAYMENT-RESPONSE')).toBeTruthy()
    expect(await balances()).toEqual([buyerBefore! - PRICE, payToBefore! + PRICE])
  })

  it('resends a JSON body on the paid retry', async () => {
    const response = await wrapFetch(fetch, { payers: [exactPayer(chain.buyer)] })(`${v2Server.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'weather?' }),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ paidBy: chain.buyer.address, body: { question: 'weather?' } })
  })

  it('refuses an offer above the spend cap and moves no money', async () => {
    const before = await balances()
    const error = await caught(wrapFetch(fetch, { payers: [exactPayer(chain.buyer)], maxAmount: '$0.10' })(`${v2Server.url}/pricey`))
    expect(error.code).toBe('over_spend_cap')
    expect(error.details).toMatchObject({ amount: '500000', cap: '100000', asset: chain.token })
    expect(await balances()).toEqual(before)
  })

  it('throws payment_refused when the server answers 402 again, and signs only once', async () => {
    const broke = privateKeyToAccount(chain.anvil.privateKeys[7]!)
    let signatures = 0
    const counting = { address: broke.address, signTypedData: ((parameters) => (signatures++, broke.signTypedData(parameters))) as typeof broke.signTypedData }
    const error = await caught(wrapFetch(fetch, { payers: [exactPayer(counting)] })(`${v2Server.url}/weather`))
    expect(error.code).toBe('payment_refused')
    expect(error.reason).toBe('insufficient_funds')
    expect(signatures).toBe(1)
  })
})

describe('exactPayer.canPay', () => {
  const offer = (requirements: Offer['requirements']): Offer => ({ x402Version: 2, requirements, raw: requirements, resource: { url: 'http://x' }, index: 0 })
  const base = { scheme: 'exact', network: 'eip155:8453', amount: '10', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', extra: { name: 'USD Coin', version: '2' } }
  const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')

  it('takes exact offers on EVM chains that name the token domain', () => {
    expect(exactPayer(account).canPay(offer(base))).toBe(true)
    expect(exactPayer(account).canPay(offer({ ...base, extra: {} }))).toBe(false)
    expect(exactPayer(account).canPay(offer({ ...base, network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp' }))).toBe(false)
    expect(exactPayer(account).canPay(offer(plan({ planId: '1', network: 'eip155:8453' }).requirements))).toBe(false)
  })

  it('keeps to its networks when given', () => {
    expect(exactPayer(account, { networks: ['base-sepolia'] }).canPay(offer(base))).toBe(false)
    expect(exactPayer(account, { networks: ['base'] }).canPay(offer(base))).toBe(true)
  })
})
