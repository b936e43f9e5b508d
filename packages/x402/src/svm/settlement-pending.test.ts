// settlement_pending on Solana (LiteSVM): a transaction accepted for processing whose confirmation does not come in
// time is answered pending with its signature (it may still land), not as failed; the buyer's retry and the outbox
// (also from a new facilitator after a restart) are answered from the signature's status: paid once, never sent
// twice; a signature the chain never ran is refused, nothing charged.
import { describe, expect, it } from 'vitest'
import { svmPayer } from '../client/svm-payer.js'
import { wrapFetch } from '../client/wrap-fetch.js'
import { createPaywall } from '../engine/paywall.js'
import type { PaywallEvent } from '../engine/types.js'
import { svmExact } from '../schemes/svm-exact/options.js'
import { memoryOutbox } from '../store/memory-outbox.js'
import { readReceipt } from '../testing/requests.js'
import { liteSvmRpc } from './litesvm-rpc.js'
import type { SettleRequest } from '../facilitator/types.js'
import type { SvmChain } from './chain.js'
import { SVM_EXACT_REASONS as REASONS } from './constants.js'
import { localSvmFacilitator } from './facilitator.js'
import { paymentInstructions, signedTransaction, startSvmCast, svmRequest, type SvmCast } from './test-support.js'
import { toBase58 } from './wire.js'

const signal = new AbortController().signal
const settleRequest = (cast: SvmCast, tx: string, extra: Partial<SettleRequest> = {}): SettleRequest => ({
  ...svmRequest(cast.requirements, tx),
  verification: { isValid: true, payer: cast.buyer.address },
  ...extra,
})

/** The cast's chain, with confirmations held back (no answer until the caller gives up) while `held.on`. */
function slowToConfirm(chain: SvmChain) {
  const held = { on: true, sends: 0 }
  const slow: SvmChain = {
    ...chain,
    network: chain.network,
    async send(wire, abort) {
      held.sends += 1
      return chain.send(wire, abort)
    },
    confirm(signature, abort) {
      if (!held.on) return chain.confirm(signature, abort)
      return new Promise((_, reject) => abort?.addEventListener('abort', () => reject(abort.reason)))
    },
  }
  return { chain: slow, held }
}

const balances = async (cast: SvmCast) => [await cast.world.tokenBalance(cast.buyer.address), await cast.world.tokenBalance(cast.seller.address)]

describe('localSvmFacilitator: a transfer sent whose confirmation does not come in time', () => {
  it('answers settlement_pending with the signature; the retry verifies, and settles once confirmed, sending nothing again', async () => {
    const cast = await startSvmCast('10000')
    const { chain, held } = slowToConfirm(cast.world.chain)
    const facilitator = localSvmFacilitator({ chain, feePayer: cast.feePayer, confirmTimeoutMs: 200 })
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    const before = await balances(cast)

    const first = await facilitator.settle(settleRequest(cast, tx), signal)
    expect(first).toMatchObject({ success: false, errorReason: 'settlement_pending', network: cast.world.network, payer: cast.buyer.address })
    expect(first.transaction).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/)

    expect(await facilitator.verify(svmRequest(cast.requirements, tx), signal)).toEqual({ isValid: true, payer: cast.buyer.address, network: cast.world.network })
    expect(await facilitator.settle(settleRequest(cast, tx), signal)).toMatchObject({ errorReason: 'settlement_pending', transaction: first.transaction })

    held.on = false
    expect(await facilitator.settle(settleRequest(cast, tx), signal)).toMatchObject({ success: true, transaction: first.transaction, payer: cast.buyer.address })
    expect(held.sends).toBe(1)
    expect(await balances(cast)).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
  })

  it('after a restart, a new facilitator told the signature reads its status: pending while unanswered, then settled', async () => {
    const cast = await startSvmCast('10000')
    const { chain, held } = slowToConfirm(cast.world.chain)
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    const before = await balances(cast)
    const first = await localSvmFacilitator({ chain, feePayer: cast.feePayer, confirmTimeoutMs: 200 }).settle(settleRequest(cast, tx), signal)
    expect(first).toMatchObject({ errorReason: 'settlement_pending' })

    const restarted = localSvmFacilitator({ chain, feePayer: cast.feePayer, confirmTimeoutMs: 200 })
    const reconcile = settleRequest(cast, tx, { pendingTransaction: first.transaction })
    expect(await restarted.settle(reconcile, signal)).toMatchObject({ errorReason: 'settlement_pending', transaction: first.transaction })
    held.on = false
    expect(await restarted.settle(reconcile, signal)).toMatchObject({ success: true, transaction: first.transaction, payer: cast.buyer.address })
    expect(held.sends).toBe(1)
    expect(await balances(cast)).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
  })

  it('a transaction lost before it ran (accepted, then dropped) is refused when reconciled: nothing charged, nothing sent again', async () => {
    const cast = await startSvmCast('10000')
    const { chain, held } = slowToConfirm(cast.world.chain)
    // The node answers the send with the signature but never runs it.
    const dropping: SvmChain = { ...chain, network: chain.network, send: async (wire) => ((held.sends += 1), { ok: true, signature: toBase58(wire.slice(1, 65)) }) }
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    const before = await balances(cast)
    const first = await localSvmFacilitator({ chain: dropping, feePayer: cast.feePayer, confirmTimeoutMs: 200 }).settle(settleRequest(cast, tx), signal)
    expect(first).toMatchObject({ errorReason: 'settlement_pending' })

    held.on = false
    const restarted = localSvmFacilitator({ chain, feePayer: cast.feePayer })
    const answer = await restarted.settle(settleRequest(cast, tx, { pendingTransaction: first.transaction }), signal)
    expect(answer).toMatchObject({ success: false, errorReason: REASONS.transactionFailed, transaction: first.transaction })
    expect(held.sends).toBe(1)
    expect(await balances(cast)).toEqual(before)
  })

  it('a signature that is not the fee payer\'s of this transaction is not taken for it: the payment settles as usual', async () => {
    const cast = await startSvmCast('10000')
    const { chain, held } = slowToConfirm(cast.world.chain)
    held.on = false
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    const before = await balances(cast)
    const answer = await localSvmFacilitator({ chain, feePayer: cast.feePayer }).settle(settleRequest(cast, tx, { pendingTransaction: '1'.repeat(64) }), signal)
    expect(answer).toMatchObject({ success: true, payer: cast.buyer.address })
    expect(answer.transaction).not.toBe('1'.repeat(64))
    expect(held.sends).toBe(1)
    expect(await balances(cast)).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
  })
})

describe('a paywall over localSvmFacilitator when the confirmation does not come in time', () => {
  it('answers 504 settlement_pending with the signature, and its outbox settles it once the chain confirms it', async () => {
    const cast = await startSvmCast('10000')
    const { chain, held } = slowToConfirm(cast.world.chain)
    const events: PaywallEvent[] = []
    const outbox = memoryOutbox()
    const paywall = createPaywall({
      routes: { 'GET /report': svmExact({ price: '$0.01', network: 'solana-devnet', payTo: cast.seller.address }) },
      facilitator: localSvmFacilitator({ chain, feePayer: cast.feePayer, confirmTimeoutMs: 200 }),
      outbox,
      outboxWorker: { intervalMs: 60_000, baseDelayMs: 1 },
      onEvent: (event) => events.push(event),
    })
    const app = paywall.protect(() => new Response('the report'))
    const paying = wrapFetch((async (input: RequestInfo | URL, init?: RequestInit) => app(new Request(input, init))) as typeof fetch, {
      payers: [svmPayer(cast.buyer, { rpc: liteSvmRpc(cast.world.svm) })],
    })
    const before = await balances(cast)

    const response = await paying('https://shop.example/report')
    expect(response.status).toBe(504)
    const receipt = readReceipt(response)
    expect(receipt).toMatchObject({ success: false, errorReason: 'settlement_pending' })
    expect(await response.text()).not.toContain('the report')
    expect(outbox.size).toBe(1)

    held.on = false
    await paywall.outbox.drain()
    expect(outbox.size).toBe(0)
    expect(events.filter((event) => event.type === 'outbox.settled')).toEqual([expect.objectContaining({ transaction: receipt?.transaction })])
    expect(held.sends).toBe(1)
    expect(await balances(cast)).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
    await paywall.close()
  })
})
