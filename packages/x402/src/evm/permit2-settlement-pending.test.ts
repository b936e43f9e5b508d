// settlement_pending for Permit2 (exact over Permit2, and upto) on a real anvil whose blocks are mined by hand:
// localFacilitator answers it with the hash when the receipt wait ends first, answers a retry and the outbox about
// that transaction (never a second one), also from a new facilitator after a restart, and decides it on chain by
// the permit's nonce: used by our settle = settled (upto: the amount its Transfer log moved), used by no
// transaction of ours = not ours to claim (refused), unused once the deadline passed = never charged.
import { createPublicClient, http, parseAbi, type Address, type Hash } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { decodePaymentRequired } from '../codec/headers.js'
import type { PaymentRequirements } from '../codec/types.js'
import { createPaywall } from '../engine/paywall.js'
import type { PaywallEvent } from '../engine/types.js'
import type { SettleRequest } from '../facilitator/types.js'
import { exact, upto } from '../index.js'
import { memoryOutbox } from '../store/memory-outbox.js'
import { proofOf } from '../test-support/proof.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { paidRequest, readReceipt } from '../testing/requests.js'
import { anvilClient, usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import type { LocalFacilitatorOptions } from './local-options.js'
import { PERMIT2_ADDRESS } from './permit2.js'
import { createPermit2Payment } from './permit2-signer.js'

const never = () => new AbortController().signal
const SCHEMES = ['exact', 'upto'] as const
type Scheme = (typeof SCHEMES)[number]

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address

const rpc = (method: string, params: unknown[] = []) => owner.request({ method, params } as never)
const balances = () => Promise.all([usdcBalance(owner, token, buyer.address), usdcBalance(owner, token, payTo)])
const mempool = async () => Number(((await rpc('txpool_status')) as { pending: string }).pending)

useUsdcChain({
  permit2Approved: true,
  mining: 'manual', // blocks come only from evm_mine
  ready: (chain) => ({ anvil, owner, buyer, payTo, token } = chain),
})

function facilitator(options: Partial<LocalFacilitatorOptions> = {}) {
  const client = createPublicClient({ chain: anvil.chain, transport: http(anvil.rpcUrl), pollingInterval: 100 })
  return localFacilitator({ client, settler: anvil.privateKeys[5]!, receiptTimeoutMs: 800, ...options })
}

function offer(scheme: Scheme): PaymentRequirements {
  const settler = anvil.accounts[5]!.address
  const extra = scheme === 'upto' ? { name: 'USDC', version: '2', assetTransferMethod: 'permit2', facilitatorAddress: settler } : { assetTransferMethod: 'permit2' }
  return { scheme, network: `eip155:${anvil.chainId}`, amount: '20000', asset: token, payTo, maxTimeoutSeconds: 300, extra }
}

/** upto charges less than the maximum signed; exact the signed amount. */
const chargeOf = (scheme: Scheme) => (scheme === 'upto' ? '7000' : '20000')

function settleRequest(header: string, requirements: PaymentRequirements, amount: string, extra: Partial<SettleRequest> = {}): SettleRequest {
  return {
    x402Version: 2,
    token: header,
    proof: proofOf(header, 2),
    requirements: { ...requirements, amount },
    paymentRequired: { x402Version: 2, resource: { url: 'http://localhost/generate' }, accepts: [requirements] },
    amount,
    verification: { isValid: true },
    ...extra,
  }
}

describe('localFacilitator: a Permit2 settle out without a receipt in time', () => {
  for (const scheme of SCHEMES) {
    it(`${scheme}: answers settlement_pending with its hash; a retry is answered about that transaction, and pays once when mined`, async () => {
      const local = facilitator()
      const requirements = offer(scheme)
      const payment = await createPermit2Payment({ account: buyer, requirements })
      const amount = chargeOf(scheme)
      const request = settleRequest(payment.header, requirements, amount)
      const before = await balances()

      const first = await local.settle(request, never())
      expect(first).toMatchObject({ success: false, errorReason: 'settlement_pending', network: `eip155:${anvil.chainId}`, payer: buyer.address })
      expect(first.transaction).toMatch(/^0x[0-9a-f]{64}$/)
      expect(await mempool()).toBe(1)

      // The buyer retries with the same payment before it is mined: still valid, still pending, nothing new sent.
      expect(await local.verify({ ...request, requirements }, never())).toMatchObject({ isValid: true })
      expect(await local.settle(request, never())).toMatchObject({ errorReason: 'settlement_pending', transaction: first.transaction })
      expect(await mempool()).toBe(1)

      await rpc('evm_mine')
      expect(await local.settle(request, never())).toMatchObject({ success: true, transaction: first.transaction, amount })
      expect(await balances()).toEqual([before[0]! - BigInt(amount), before[1]! + BigInt(amount)])
    }, 30_000)

    it(`${scheme}: after a restart, a new facilitator reconciles the transaction it is told of: pending until final, then settled with the amount moved, once`, async () => {
      const requirements = offer(scheme)
      const payment = await createPermit2Payment({ account: buyer, requirements })
      const amount = chargeOf(scheme)
      const before = await balances()
      const first = await facilitator().settle(settleRequest(payment.header, requirements, amount), never())
      expect(first).toMatchObject({ errorReason: 'settlement_pending' })

      const restarted = facilitator({ finalityDepth: 2 })
      const reconcile = settleRequest(payment.header, requirements, amount, { pendingTransaction: first.transaction })
      expect(await restarted.settle(reconcile, never())).toMatchObject({ errorReason: 'settlement_pending', transaction: first.transaction })
      await rpc('evm_mine')
      expect(await restarted.settle(reconcile, never())).toMatchObject({ errorReason: 'settlement_pending', transaction: first.transaction })
      await rpc('evm_mine')
      expect(await restarted.settle(reconcile, never())).toMatchObject({ success: true, transaction: first.transaction, amount })
      expect(await mempool()).toBe(0)
      expect(await balances()).toEqual([before[0]! - BigInt(amount), before[1]! + BigInt(amount)])
    }, 30_000)
  }

  // The transaction the outbox names is gone from the node (dropped, or reorged out, before the restart): a hash
  // the node does not know stands for it, so that no watch of this process sends it again meanwhile.
  const GONE = `0x${'ab'.repeat(32)}`

  it('a gone transaction whose nonce was used by none of ours (the payer invalidated it) is refused: nothing charged', async () => {
    const requirements = offer('exact')
    const payment = await createPermit2Payment({ account: buyer, requirements })
    const before = await balances()
    const nonce = BigInt(payment.authorization.nonce)
    const abi = parseAbi(['function invalidateUnorderedNonces(uint256 wordPos, uint256 mask)'])
    await anvilClient(anvil, buyer).writeContract({ address: PERMIT2_ADDRESS, abi, functionName: 'invalidateUnorderedNonces', args: [nonce >> 8n, 1n << (nonce & 255n)] })
    await rpc('evm_mine')

    const reconcile = settleRequest(payment.header, requirements, '20000', { pendingTransaction: GONE })
    expect(await facilitator().settle(reconcile, never())).toMatchObject({ success: false, errorReason: 'permit2_invalid_nonce' })
    expect(await mempool()).toBe(0)
    expect(await balances()).toEqual(before)
  }, 30_000)

  it('a gone transaction whose nonce is unused once the deadline passed is refused: never charged', async () => {
    const requirements = offer('upto')
    const payment = await createPermit2Payment({ account: buyer, requirements })
    const before = await balances()
    const late = facilitator({ now: () => Number(payment.authorization.deadline) + 1 })
    const reconcile = settleRequest(payment.header, requirements, '7000', { pendingTransaction: GONE })
    expect(await late.settle(reconcile, never())).toMatchObject({ success: false, errorReason: 'permit2_deadline_expired' })
    expect(await mempool()).toBe(0)
    expect(await balances()).toEqual(before)
  }, 30_000)

  it('a gone transaction whose permit is still valid and unused is settled anew, once', async () => {
    const requirements = offer('upto')
    const payment = await createPermit2Payment({ account: buyer, requirements })
    const before = await balances()
    const restarted = facilitator({ finalityDepth: 2 })
    const reconcile = settleRequest(payment.header, requirements, '7000', { pendingTransaction: GONE })
    const anew = await restarted.settle(reconcile, never())
    expect(anew).toMatchObject({ errorReason: 'settlement_pending' })
    expect(anew.transaction).not.toBe(GONE)
    await rpc('evm_mine')
    await rpc('evm_mine')
    expect(await restarted.settle({ ...reconcile, pendingTransaction: anew.transaction }, never())).toMatchObject({ success: true, transaction: anew.transaction, amount: '7000' })
    expect(await balances()).toEqual([before[0]! - 7000n, before[1]! + 7000n])
  }, 30_000)
})

describe('a paywall over localFacilitator when a Permit2 receipt does not come in time', () => {
  for (const scheme of SCHEMES) {
    it(`${scheme}: answers 504, and after a restart the outbox reconciles it; the retried payment is served once paid`, async () => {
      const outbox = memoryOutbox()
      const asset = { address: token, name: 'USDC', version: '2', decimals: 6 }
      const network = `eip155:${anvil.chainId}` as const
      const route = scheme === 'upto' ? upto({ maxPrice: '$0.02', network, payTo, asset }) : exact({ amount: '20000', network, payTo, asset: token, assetTransferMethod: 'permit2' })
      const amount = chargeOf(scheme)
      const paywallOf = (events: PaywallEvent[]) => {
        const paywall = createPaywall({
          facilitator: facilitator({ finalityDepth: 1 }),
          routes: { 'GET /report': route },
          outbox,
          outboxWorker: { intervalMs: 60_000, baseDelayMs: 1 },
          onEvent: (event) => events.push(event),
        })
        const app = paywall.protect((_request, ctx) => {
          if (scheme === 'upto') ctx.charge(amount)
          return new Response('the report')
        })
        return { paywall, app }
      }
      const first = paywallOf([])
      const unpaid = await first.app(new Request('http://localhost/report'))
      const decoded = decodePaymentRequired(unpaid.headers.get('payment-required')!)
      if (!decoded.ok) throw decoded.error
      const payment = await createPermit2Payment({ account: buyer, requirements: decoded.value.accepts[0]! })
      const before = await balances()

      const response = await first.app(paidRequest('http://localhost/report', payment.header))
      expect(response.status).toBe(504)
      const receipt = readReceipt(response)
      expect(receipt).toMatchObject({ success: false, errorReason: 'settlement_pending' })
      expect(await response.text()).not.toContain('the report')
      expect(outbox.size).toBe(1)
      await first.paywall.close()

      // A new process: a new paywall and facilitator over the same outbox.
      const events: PaywallEvent[] = []
      const second = paywallOf(events)
      await second.paywall.outbox.drain()
      expect(outbox.size).toBe(1) // not mined yet: still pending
      await rpc('evm_mine')
      await second.paywall.outbox.drain()
      expect(outbox.size).toBe(0)
      expect(events.filter((event) => event.type === 'outbox.settled')).toEqual([expect.objectContaining({ transaction: receipt?.transaction })])
      expect(await balances()).toEqual([before[0]! - BigInt(amount), before[1]! + BigInt(amount)])

      const retry = await second.app(paidRequest('http://localhost/report', payment.header))
      expect(retry.status).toBe(200)
      expect(await retry.text()).toBe('the report')
      expect(readReceipt(retry)).toMatchObject({ success: true, transaction: receipt?.transaction as Hash })
      expect(await balances()).toEqual([before[0]! - BigInt(amount), before[1]! + BigInt(amount)])
      await second.paywall.close()
    }, 30_000)
  }
})
