// settle for an authorization that already has a transaction out: the buyer's retry after settlement_pending, or
// the engine's outbox asking about it (`pendingTransaction`), also after a restart. It is answered from what the
// tracker knows, or from the chain for a transaction this process does not know (adopted and watched from
// there): success once mined (the outbox: once final), settlement_pending while not, and never a second transfer.
// Payment-agnostic: EIP-3009 (eip3009-payments.ts) and Permit2 (permit2-pending.ts) each describe theirs as a
// PendingPayment.
import { isAddressEqual, type Address, type Client, type Hash, type TransactionReceipt } from 'viem'
import { getBlockNumber } from 'viem/actions'
import { sleep } from '../facilitator/abort.js'
import { pendingResult } from '../facilitator/pending.js'
import type { SettleRequest, SettleResult } from '../facilitator/types.js'
import { rpcFailure, settleFailure } from './chain-calls.js'
import { proofParts } from './proof-kind.js'
import { firstReceipt, isKnown, receiptOrNothing } from './rebroadcast.js'
import { parseExactEvmPayload, type ExactEvmPayload } from './scheme.js'
import { currentTransaction, type SettlementTracker, type TrackedSettlement } from './settlement-tracker.js'
import { readExactTerms, type ExactTerms } from './verify.js'

export interface ReconcileContext {
  client: Client
  tracker: SettlementTracker
  finalityDepth: number
  receiptTimeoutMs: number
}

/** A payment with a one-time authorization, as the reconcile sees it. */
export interface PendingPayment {
  /** The tracker's key for the authorization. */
  key: string
  network: string
  payer: string
  /** The contract its settle transaction calls: a receipt of a call to another one is not this payment's. */
  target: Address
  /** The reason a settlement lost to an expired authorization is refused with. */
  expiredReason: string
  /** What a mined settle of it moved, as the success answer says it; undefined when the receipt moved nothing of it. */
  settledAmount(receipt: TransactionReceipt): string | undefined
  /** Starts the watch of a transaction this process did not send (after a restart). */
  watch(tracked: TrackedSettlement): void
}

export interface ExactAuthorization {
  key: string
  payload: ExactEvmPayload
  terms: ExactTerms
}

const HASH = /^0x[0-9a-fA-F]{64}$/

/** The authorization a settle request carries and its key, when it reads as one (else undefined: settle checks it). */
export function authorizationOf(request: SettleRequest): ExactAuthorization | undefined {
  try {
    const parsed = parseExactEvmPayload(proofParts(request.proof).payload)
    const terms = readExactTerms(request.requirements)
    if (!parsed.ok || !terms) return undefined
    return { key: authorizationKey(terms, parsed.payload), payload: parsed.payload, terms }
  } catch {
    return undefined
  }
}

export function authorizationKey(terms: ExactTerms, payload: ExactEvmPayload): string {
  return `${terms.chainId}:${terms.asset}:${payload.authorization.from}:${payload.authorization.nonce}`.toLowerCase()
}

/** The answer for an authorization with a transaction out; undefined when there is none: settle as usual. */
/** `pendingTransaction`: the settle request's (the outbox's), the transaction to reconcile against. */
export async function reconcile(ctx: ReconcileContext, pendingTransaction: string | undefined, payment: PendingPayment, signal: AbortSignal): Promise<SettleResult | undefined> {
  const reconciling = typeof pendingTransaction === 'string' && HASH.test(pendingTransaction)
  let tracked = ctx.tracker.get(payment.key)
  if (tracked && !reconciling && !tracked.answeredPending) return undefined
  if (!tracked || tracked.outcome === 'foreign' || (tracked.endedAt !== undefined && !tracked.outcome && !tracked.mined)) {
    tracked = reconciling ? await adopt(ctx, payment, pendingTransaction as Hash) : undefined
    if (!tracked) return undefined
  }
  const { network, payer } = payment
  if (tracked.outcome === 'lost') {
    return settleFailure(network)(payment.expiredReason, 'The authorization expired before its settlement was mined again.', payer)
  }
  // What the chain says now (the watch polls at a block's pace); the buyer's retry then waits for the receipt
  // as a first settle would, the outbox (reconciling) does not: it asks again later.
  const final = tracked.outcome === 'final' || (await deepEnough(ctx, tracked))
  if (!reconciling && !tracked.mined) await minedWithin(tracked, ctx.receiptTimeoutMs, ctx.client.pollingInterval, signal)
  const mined: TransactionReceipt | undefined = tracked.mined
  if (mined && (!reconciling || final)) {
    const amount = payment.settledAmount(mined)
    if (amount !== undefined) return { success: true, transaction: mined.transactionHash, network, payer, amount }
  }
  const waiting = mined ? `mined in block ${mined.blockNumber}, not ${ctx.finalityDepth} blocks deep yet` : 'not mined yet'
  return pendingResult(currentTransaction(tracked).hash, network, payer, `The settlement ${currentTransaction(tracked).hash} is ${waiting}.`)
}

/** A transaction an earlier process sent for the authorization: tracked (and watched) from what the chain says. */
async function adopt(ctx: ReconcileContext, payment: PendingPayment, hash: Hash): Promise<TrackedSettlement | undefined> {
  const { client, tracker } = ctx
  try {
    const receipt = await receiptOrNothing(client, hash)
    if (receipt) {
      // Only a successful call of the payment's contract that moved it counts; anything else: settle as usual.
      if (receipt.status !== 'success' || !receipt.to || !isAddressEqual(receipt.to, payment.target) || payment.settledAmount(receipt) === undefined) return undefined
      const tracked = tracker.track(payment.key, { sends: [{ hash, raw: undefined }], mined: receipt, reorged: false, answeredPending: true })
      const head = await getBlockNumber(client, { cacheTime: 0 })
      if (head - receipt.blockNumber + 1n >= BigInt(Math.max(1, ctx.finalityDepth))) tracker.end(payment.key, 'final')
      else payment.watch(tracked)
      return tracked
    }
    if (!(await isKnown(client, hash))) return undefined // gone (dropped, or reorged out): settle as usual
    const tracked = tracker.track(payment.key, { sends: [{ hash, raw: undefined }], mined: undefined, reorged: false, answeredPending: true })
    payment.watch(tracked)
    return tracked
  } catch (error) {
    throw rpcFailure('the pending settlement', error)
  }
}

/** Reads the receipts of the tracked transactions: whether one is mined `finalityDepth` blocks deep (at least 1). */
async function deepEnough(ctx: ReconcileContext, tracked: TrackedSettlement): Promise<boolean> {
  try {
    const receipt = await firstReceipt(ctx.client, tracked.sends)
    if (!receipt) return false
    tracked.mined = receipt
    const head = await getBlockNumber(ctx.client, { cacheTime: 0 })
    return head - receipt.blockNumber + 1n >= BigInt(Math.max(1, ctx.finalityDepth))
  } catch {
    // The watch reads again at its next poll; meanwhile what it saw last stands.
  }
  return false
}

async function minedWithin(tracked: TrackedSettlement, timeoutMs: number, pollMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!tracked.mined && tracked.outcome === undefined && tracked.endedAt === undefined && Date.now() + pollMs <= deadline) {
    await sleep(pollMs, signal)
  }
}
