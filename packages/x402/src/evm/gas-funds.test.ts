// A settler without gas money on a real anvil: a clear 502 naming it and its balance, an event, nothing charged;
// and the seller's low-balance threshold, told once when the balance falls under it.
import { createPublicClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { createPaywall } from '../engine/paywall.js'
import { exact } from '../requirements/options.js'
import { requestFor } from '../test-support/exact-chain.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { paidRequest, readReceipt } from '../testing/requests.js'
import { decodePaymentRequired } from '../codec/headers.js'
import { usdcBalance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import type { SettlementEvent } from './settlement-events.js'
import { createExactPayment } from './signer.js'

const CHAIN_ID = 84532
const PRICE = 10_000n

const chain = useUsdcChain({ chainId: CHAIN_ID, price: PRICE })

const balances = () => Promise.all([usdcBalance(chain.owner, chain.token, chain.buyer.address), usdcBalance(chain.owner, chain.token, chain.payTo)])
const client = () => createPublicClient({ chain: chain.anvil.chain, transport: http(chain.anvil.rpcUrl), pollingInterval: 100 })

describe('a settler without gas money', () => {
  it('is a 502 naming the settler and its balance, with settler.insufficient_funds; nothing is charged', async () => {
    const key = chain.anvil.privateKeys[7]!
    const settler = privateKeyToAccount(key).address
    await chain.rpc('anvil_setBalance', [settler, '0x3e8']) // 1000 wei: far from a transfer's gas
    const events: SettlementEvent[] = []
    const local = localFacilitator({ client: client(), settler: key, onEvent: (event) => events.push(event) })
    const payment = await createExactPayment({ account: chain.buyer, requirements: chain.requirements })
    const before = await balances()

    const error = await local.settle(requestFor(payment, chain.requirements), new AbortController().signal).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    expect(error).toMatchObject({ code: 'facilitator_error', status: 502, details: { settler, balance: '1000', network: `eip155:${CHAIN_ID}` } })
    expect((error as Error).message).toContain(`the settler ${settler} cannot pay the gas`)
    expect(events).toEqual([{ type: 'settler.insufficient_funds', settler, balance: 1000n, network: `eip155:${CHAIN_ID}` }])
    expect(await balances()).toEqual(before)

    // Through a paywall: 502 facilitator_error, a failure receipt, and the same payment pays once the settler is funded.
    const asset = { address: chain.token, name: 'USDC', version: '2', decimals: 6 }
    const paywall = createPaywall({ facilitator: local, routes: { 'GET /report': exact({ price: '$0.01', network: `eip155:${CHAIN_ID}`, payTo: chain.payTo, asset }) } })
    const app = paywall.protect(() => new Response('the report'))
    const offer = decodePaymentRequired((await app(new Request('http://localhost/report'))).headers.get('payment-required')!)
    if (!offer.ok) throw offer.error
    const paid = await createExactPayment({ account: chain.buyer, requirements: offer.value.accepts[0]! })
    const response = await app(paidRequest('http://localhost/report', paid.header))
    expect(response.status).toBe(502)
    expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'facilitator_error' })
    expect(await balances()).toEqual(before)
    await chain.rpc('anvil_setBalance', [settler, '0xde0b6b3a7640000']) // 1 ETH
    expect((await app(paidRequest('http://localhost/report', paid.header))).status).toBe(200)
    expect(await balances()).toEqual([before[0]! - PRICE, before[1]! + PRICE])
    await paywall.close()
  }, 30_000)
})

describe('lowBalanceThreshold', () => {
  it('says settler.low_balance once when a settlement leaves the balance under it', async () => {
    const key = chain.anvil.privateKeys[8]!
    const settler = privateKeyToAccount(key).address
    const threshold = 10n ** 18n
    await chain.rpc('anvil_setBalance', [settler, '0xde0b6b3a7640000']) // 1 ETH: the first settlement's gas takes it under
    const events: SettlementEvent[] = []
    const local = localFacilitator({ client: client(), settler: key, lowBalanceThreshold: threshold, onEvent: (event) => events.push(event) })
    const payment = await createExactPayment({ account: chain.buyer, requirements: chain.requirements })
    expect(await local.settle(requestFor(payment, chain.requirements), new AbortController().signal)).toMatchObject({ success: true })
    const deadline = Date.now() + 10_000
    while (!events.some((event) => event.type === 'settler.low_balance') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    const low = events.find((event) => event.type === 'settler.low_balance')
    expect(low).toMatchObject({ settler, threshold, network: `eip155:${CHAIN_ID}` })
    expect((low as { balance: bigint }).balance).toBeLessThan(threshold)
    expect(events.filter((event) => event.type === 'settler.low_balance')).toHaveLength(1)
  }, 30_000)

  it('must be wei as a bigint', () => {
    for (const lowBalanceThreshold of [-1n, 5, '10']) {
      expect(() => localFacilitator({ rpcUrl: chain.anvil.rpcUrl, settler: chain.anvil.privateKeys[8]!, lowBalanceThreshold: lowBalanceThreshold as bigint })).toThrow(
        expect.objectContaining({ code: 'invalid_options', details: expect.objectContaining({ path: 'localFacilitator.lowBalanceThreshold' }) }),
      )
    }
  })
})
