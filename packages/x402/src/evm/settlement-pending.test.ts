// settlement_pending on a real anvil whose blocks are mined by hand: localFacilitator answers it with the hash
// when the receipt wait ends first, answers a retry and the outbox about that transaction (never a second one),
// also from a new facilitator after a restart, and a paywall turns it into a 504 the buyer can retry.
import { createPublicClient, http, type Address, type Hash } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { decodePaymentRequired } from '../codec/headers.js'
import type { PaymentRequirements } from '../codec/types.js'
import { createPaywall } from '../engine/paywall.js'
import type { PaywallEvent } from '../engine/types.js'
import { exact } from '../requirements/options.js'
import { memoryOutbox } from '../store/memory-outbox.js'
import { requestFor } from '../test-support/exact-chain.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { paidRequest, readReceipt } from '../testing/requests.js'
import { usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import type { LocalFacilitatorOptions } from './local-options.js'
import { createExactPayment } from './signer.js'

const CHAIN_ID = 84532
const PRICE = 10_000n
const never = () => new AbortController().signal

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let requirements: PaymentRequirements

const rpc = (method: string, params: unknown[] = []) => owner.request({ method, params } as never)
const balances = () => Promise.all([usdcBalance(owner, token, buyer.address), usdcBalance(owner, token, payTo)])
const mempool = async () => Number(((await rpc('txpool_status')) as { pending: string }).pending)

useUsdcChain({
  chainId: CHAIN_ID,
  price: PRICE,
  mining: 'manual', // blocks come only from evm_mine
  ready: (chain) => ({ anvil, owner, buyer, payTo, token, requirements } = chain),
})

function facilitator(options: Partial<LocalFacilitatorOptions> = {}) {
  const client = createPublicClient({ chain: anvil.chain, transport: http(anvil.rpcUrl), pollingInterval: 100 })
  return localFacilitator({ client, settler: anvil.privateKeys[5]!, receiptTimeoutMs: 800, ...options })
}

describe('localFacilitator: a transaction out without a receipt in time', () => {
  it('answers settlement_pending with its hash; a retry is answered about that transaction, and pays once when mined', async () => {
    const local = facilitator()
    const payment = await createExactPayment({ account: buyer, requirements })
    const request = requestFor(payment, requirements)
    const before = await balances()

    const first = await local.settle(request, never())
    expect(first).toMatchObject({ success: false, errorReason: 'settlement_pending', network: `eip155:${CHAIN_ID}`, payer: buyer.address })
    expect(first.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await mempool()).toBe(1)

    // The buyer retries with the same payment before it is mined: still valid, still pending, nothing new sent.
    expect(await local.verify(request, never())).toMatchObject({ isValid: true })
    expect(await local.settle(request, never())).toMatchObject({ errorReason: 'settlement_pending', transaction: first.transaction })
    expect(await mempool()).toBe(1)

    await rpc('evm_mine')
    expect(await local.settle(request, never())).toMatchObject({ success: true, transaction: first.transaction, amount: PRICE.toString() })
    expect(await balances()).toEqual([before[0]! - PRICE, before[1]! + PRICE])
  }, 30_000)

  it('after a restart, a new facilitator reconciles the transaction it is told of: pending until final, then settled, once', async () => {
    const payment = await createExactPayment({ account: buyer, requirements })
    const before = await balances()
    const first = await facilitator().settle(requestFor(payment, requirements), never())
    expect(first).toMatchObject({ errorReason: 'settlement_pending' })

    const restarted = facilitator({ finalityDepth: 2 })
    const reconcile = requestFor(payment, requirements, { pendingTransaction: first.transaction })
    expect(await restarted.settle(reconcile, never())).toMatchObject({ errorReason: 'settlement_pending', transaction: first.transaction })
    await rpc('evm_mine')
    expect(await restarted.settle(reconcile, never())).toMatchObject({ errorReason: 'settlement_pending', transaction: first.transaction })
    await rpc('evm_mine')
    expect(await restarted.settle(reconcile, never())).toMatchObject({ success: true, transaction: first.transaction })
    expect(await mempool()).toBe(0)
    expect(await balances()).toEqual([before[0]! - PRICE, before[1]! + PRICE])
  }, 30_000)
})

describe('a paywall over localFacilitator when the receipt does not come in time', () => {
  it('a hash told for reconciling that settled another authorization is not taken for this one: it is sent itself, paid once', async () => {
    const local = facilitator()
    const other = await createExactPayment({ account: buyer, requirements })
    const sent = await local.settle(requestFor(other, requirements), never())
    await rpc('evm_mine')
    const settled = await local.settle(requestFor(other, requirements), never())
    expect(settled).toMatchObject({ success: true, transaction: sent.transaction })

    // Same payer, same payee, same amount: only its AuthorizationUsed tells the other transaction apart.
    const payment = await createExactPayment({ account: buyer, requirements })
    const before = await balances()
    const restarted = facilitator({ finalityDepth: 1 })
    const told = requestFor(payment, requirements, { pendingTransaction: settled.transaction })
    const first = await restarted.settle(told, never())
    expect(first.transaction).not.toBe(settled.transaction)
    await rpc('evm_mine')
    const done = await restarted.settle(told, never())
    expect(done).toMatchObject({ success: true })
    expect(done.transaction).not.toBe(settled.transaction)
    expect(await balances()).toEqual([before[0]! - PRICE, before[1]! + PRICE])
  }, 30_000)

  it('answers 504 settlement_pending, reconciles through the outbox, and serves the retried payment once paid', async () => {
    const events: PaywallEvent[] = []
    const outbox = memoryOutbox()
    const asset = { address: token, name: 'USDC', version: '2', decimals: 6 }
    const paywall = createPaywall({
      facilitator: facilitator({ finalityDepth: 1 }),
      routes: { 'GET /report': exact({ price: '$0.01', network: `eip155:${CHAIN_ID}`, payTo, asset }) },
      outbox,
      outboxWorker: { intervalMs: 60_000, baseDelayMs: 1 },
      onEvent: (event) => events.push(event),
    })
    const app = paywall.protect(() => new Response('the report'))
    const unpaid = await app(new Request('http://localhost/report'))
    const offer = decodePaymentRequired(unpaid.headers.get('payment-required')!)
    if (!offer.ok) throw offer.error
    const payment = await createExactPayment({ account: buyer, requirements: offer.value.accepts[0]! })
    const before = await balances()

    const response = await app(paidRequest('http://localhost/report', payment.header))
    expect(response.status).toBe(504)
    const receipt = readReceipt(response)
    expect(receipt).toMatchObject({ success: false, errorReason: 'settlement_pending' })
    expect(await response.text()).not.toContain('the report')
    expect(outbox.size).toBe(1)

    await rpc('evm_mine')
    await paywall.outbox.drain()
    expect(outbox.size).toBe(0)
    expect(events.filter((event) => event.type === 'outbox.settled')).toEqual([expect.objectContaining({ transaction: receipt?.transaction })])

    const retry = await app(paidRequest('http://localhost/report', payment.header))
    expect(retry.status).toBe(200)
    expect(await retry.text()).toBe('the report')
    expect(readReceipt(retry)).toMatchObject({ success: true, transaction: receipt?.transaction as Hash })
    expect(await balances()).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
    await paywall.close()
  }, 30_000)
})
