// A settler without gas money on a real anvil: a clear 502 naming it and its balance, an event, nothing charged;
// and the seller's low-balance threshold, told once when the balance falls under it.
import { createPublicClient, http, type Address } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PaymentRequirements } from '../codec/types.js'
import { createPaywall } from '../engine/paywall.js'
import { exact } from '../requirements/options.js'
import { chainOffer, requestFor } from '../test-support/exact-chain.js'
import { paidRequest, readReceipt } from '../testing/requests.js'
import { decodePaymentRequired } from '../codec/headers.js'
import { usdcBalance, type AnvilClient, type AnvilInstance, startUsdcChain } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import type { SettlementEvent } from './settlement-events.js'
import { createExactPayment } from './signer.js'

const CHAIN_ID = 84532
const PRICE = 10_000n

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let requirements: PaymentRequirements

const rpc = (method: string, params: unknown[] = []) => owner.request({ method, params } as never)
const balances = () => Promise.all([usdcBalance(owner, token, buyer.address), usdcBalance(owner, token, payTo)])
const client = () => createPublicClient({ chain: anvil.chain, transport: http(anvil.rpcUrl), pollingInterval: 100 })

beforeAll(async () => {
  ;({ anvil, owner, buyer, payTo, token } = await startUsdcChain({ chainId: CHAIN_ID }))
  requirements = chainOffer(CHAIN_ID, token, payTo, PRICE)
}, 30_000)

afterAll(async () => {
  await anvil?.stop()
})

describe('a settler without gas money', () => {
  it('is a 502 naming the settler and its balance, with settler.insufficient_funds; nothing is charged', async () => {
    const key = anvil.privateKeys[7]!
    const settler = privateKeyToAccount(key).address
    await rpc('anvil_setBalance', [settler, '0x3e8']) // 1000 wei: far from a transfer's gas
    const events: SettlementEvent[] = []
    const local = localFacilitator({ client: client(), settler: key, onEvent: (event) => events.push(event) })
    const payment = await createExactPayment({ account: buyer, requirements })
    const before = await balances()

    const error = await local.settle(requestFor(payment, requirements), new AbortController().signal).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    expect(error).toMatchObject({ code: 'facilitator_error', status: 502, details: { settler, balance: '1000', network: `eip155:${CHAIN_ID}` } })
    expect((error as Error).message).toContain(`the settler ${settler} cannot pay the gas`)
    expect(events).toEqual([{ type: 'settler.insufficient_funds', settler, balance: 1000n, network: `eip155:${CHAIN_ID}` }])
    expect(await balances()).toEqual(before)

    // Through a paywall: 502 facilitator_error, a failure receipt, and the same payment pays once the settler is funded.
    const asset = { address: token, name: 'USDC', version: '2', decimals: 6 }
    const paywall = createPaywall({ facilitator: local, routes: { 'GET /report': exact({ price: '$0.01', network: `eip155:${CHAIN_ID}`, payTo, asset }) } })
    const app = paywall.protect(() => new Response('the report'))
    const offer = decodePaymentRequired((await app(new Request('http://localhost/report'))).headers.get('payment-required')!)
    if (!offer.ok) throw offer.error
    const paid = await createExactPayment({ account: buyer, requirements: offer.value.accepts[0]! })
    const response = await app(paidRequest('http://localhost/report', paid.header))
    expect(response.status).toBe(502)
    expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'facilitator_error' })
    expect(await balances()).toEqual(before)
    await rpc('anvil_setBalance', [settler, '0xde0b6b3a7640000']) // 1 ETH
    expect((await app(paidRequest('http://localhost/report', paid.header))).status).toBe(200)
    expect(await balances()).toEqual([before[0]! - PRICE, before[1]! + PRICE])
    await paywall.close()
  }, 30_000)
})

describe('lowBalanceThreshold', () => {
  it('says settler.low_balance once when a settlement leaves the balance under it', async () => {
    const key = anvil.privateKeys[8]!
    const settler = privateKeyToAccount(key).address
    const threshold = 10n ** 18n
    await rpc('anvil_setBalance', [settler, '0xde0b6b3a7640000']) // 1 ETH: the first settlement's gas takes it under
    const events: SettlementEvent[] = []
    const local = localFacilitator({ client: client(), settler: key, lowBalanceThreshold: threshold, onEvent: (event) => events.push(event) })
    const payment = await createExactPayment({ account: buyer, requirements })
    expect(await local.settle(requestFor(payment, requirements), new AbortController().signal)).toMatchObject({ success: true })
    const deadline = Date.now() + 10_000
    while (!events.some((event) => event.type === 'settler.low_balance') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    const low = events.find((event) => event.type === 'settler.low_balance')
    expect(low).toMatchObject({ settler, threshold, network: `eip155:${CHAIN_ID}` })
    expect((low as { balance: bigint }).balance).toBeLessThan(threshold)
    expect(events.filter((event) => event.type === 'settler.low_balance')).toHaveLength(1)
  }, 30_000)

  it('must be wei as a bigint', () => {
    for (const lowBalanceThreshold of [-1n, 5, '10']) {
      expect(() => localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[8]!, lowBalanceThreshold: lowBalanceThreshold as bigint })).toThrow(
        expect.objectContaining({ code: 'invalid_options', details: expect.objectContaining({ path: 'localFacilitator.lowBalanceThreshold' }) }),
      )
    }
  })
})
