// After a settlement's transaction went out: it is watched until it is `finalityDepth` blocks deep (a delivered
// one), or until it is mined at all (one that answered settlement_pending). When a reorganisation takes it out of
// the chain, or it leaves the mempool unmined, the still-valid authorization is settled again: the same signed
// transaction if it can still be mined, else (its account nonce taken meanwhile) a new transaction for the
// authorization, only once the chain says the authorization is unused. One watcher per authorization: it keeps
// the authorization's place in `inFlight` until it ends, so no second settle of it starts meanwhile; what it sees
// is kept in a TrackedSettlement (settlement-tracker.ts) that answers later settle calls for the authorization.
import type { Account, Client } from 'viem'
import { getBlockNumber, readContract } from 'viem/actions'
import { EIP3009_ABI } from './abi.js'
import { submitTransfer } from './chain-calls.js'
import type { Hash } from 'viem'
import { sleep } from '../facilitator/abort.js'
import { firstReceipt, isKnown, recordingSigner, resend } from './rebroadcast.js'
import type { TrackedSettlement } from './settlement-tracker.js'
import type { ExactEvmPayload } from './scheme.js'
import type { SettlementEvent } from './settlement-events.js'
import type { ExactTerms } from './verify.js'

export interface WatchContext {
  client: Client
  settler: Account
  now: () => number
  emit: (event: SettlementEvent) => void
  submitInTurn<T>(signal: AbortSignal, submit: () => Promise<T>): Promise<T>
  finalityDepth: number
  pollingMs: number
  /** When to give up in any case, in ms. */
  maxWatchMs: number
}

// A head that stops moving for this long (an automining test chain between transactions, a halted chain) ends the
// watch: polling it for the whole of maxWatchMs would only load the node.
const STALL_MS = 30_000
// The watch is not on anyone's critical path: it polls at a block's pace, not at the receipt poller's.
const MIN_POLL_MS = 500

export interface WatchedSettlement {
  /** What is known so far (sent, maybe mined); the watch keeps it up to date. */
  tracked: TrackedSettlement
  /** The payment: who paid where, whether the chain says it was used, until when it can be settled, a new send. */
  payment: WatchedPayment
  /** Called once when the watch ends, however it ends (no outcome: it gave up watching). */
  done: (outcome: TrackedSettlement['outcome']) => void
}

// A watch runs at least this long (20 min) whatever the receipt wait: a pending transaction may take a while.
const MIN_WATCH_MS = 20 * 60_000

/** The watch's settings from localFacilitator's: it polls at the client's pace and gives up after 10 receipt waits. */
export function watchContextOf(ctx: Omit<WatchContext, 'pollingMs' | 'maxWatchMs'> & { receiptTimeoutMs: number }): WatchContext {
  return { ...ctx, pollingMs: ctx.client.pollingInterval, maxWatchMs: Math.max(ctx.receiptTimeoutMs * 10, MIN_WATCH_MS) }
}

/** Starts watching in the background; never throws (a failed read is asked again at the next poll). */
export function watchSettlement(ctx: WatchContext, settlement: WatchedSettlement): void {
  if (ctx.finalityDepth <= 1 && settlement.tracked.mined) return settlement.done('final')
  void watch(ctx, settlement).then(settlement.done, () => settlement.done(undefined))
}

export interface WatchedPayment {
  network: string
  payer: string
  /** Whether the chain says the payment's one-time nonce is used (by any transaction). */
  used(): Promise<boolean>
  /** Unix seconds after which it can no longer be settled. */
  validBefore: bigint
  /** Sends a new transaction for it, signed by `account` (when the first one's account nonce was taken). */
  sendAnew(account: Account): Promise<Hash>
}

/** An EIP-3009 authorization, as the watch sees it. */
export function eip3009Payment(client: Client, payload: ExactEvmPayload, terms: ExactTerms): WatchedPayment {
  const { from: payer, nonce, validBefore } = payload.authorization
  return {
    network: terms.network,
    payer,
    used: () => readContract(client, { address: terms.asset, abi: EIP3009_ABI, functionName: 'authorizationState', args: [payer, nonce] }),
    validBefore: BigInt(validBefore),
    sendAnew: (account) => submitTransfer(client, account, payload, terms.asset),
  }
}

async function watch(ctx: WatchContext, { tracked, payment }: WatchedSettlement): Promise<TrackedSettlement['outcome']> {
  const { client, emit } = ctx
  const about = { network: payment.network, payer: payment.payer }
  const forever = new AbortController().signal
  const giveUpAt = Date.now() + ctx.maxWatchMs
  const pollMs = Math.max(ctx.pollingMs, MIN_POLL_MS)
  const depth = BigInt(Math.max(1, ctx.finalityDepth))
  const first = tracked.sends[0]!.hash
  let lastHead = -1n
  let movedAt = Date.now()
  // A new transaction is sent only when the ones before can no longer be mined: at most one is (one EIP-3009 nonce).
  const { sends } = tracked
  let resendFailed = false

  while (Date.now() < giveUpAt) {
    await sleep(pollMs, forever, true)
    try {
      const head = await getBlockNumber(client, { cacheTime: 0 })
      if (head !== lastHead) (lastHead = head), (movedAt = Date.now())
      else if (Date.now() - movedAt > STALL_MS) return undefined
      const found = await firstReceipt(client, sends)
      if (found) {
        if (!tracked.mined && tracked.reorged) emit({ type: 'settlement.resettled', transaction: found.transactionHash, replaced: first, ...about })
        tracked.mined = found
        resendFailed = false
        if (head - found.blockNumber + 1n >= depth) return 'final'
        continue
      }
      if (tracked.mined) {
        emit({ type: 'settlement.reorged', transaction: tracked.mined.transactionHash, blockNumber: tracked.mined.blockNumber, ...about })
        tracked.mined = undefined
        tracked.reorged = true
      }
      const latest = sends[sends.length - 1]!
      if (await isKnown(client, latest.hash)) continue // in the mempool: it will be mined
      const used = await payment.used()
      if (used) {
        if (await firstReceipt(client, sends)) continue // ours, mined since we asked: the next poll says so
        return 'foreign' // settled by a transaction that is not ours: the seller is paid all the same
      }
      if (BigInt(ctx.now()) >= payment.validBefore) {
        emit({ type: 'settlement.lost', transaction: first, reason: 'authorization_expired', ...about })
        return 'lost'
      }
      if (latest.raw && !resendFailed) {
        try {
          await resend(client, latest.raw)
          continue
        } catch {
          resendFailed = true // its nonce was taken meanwhile: next poll checks the chain again, then sends anew
          continue
        }
      }
      const signer = recordingSigner(ctx.settler)
      const hash = await ctx.submitInTurn(forever, () => payment.sendAnew(signer.account))
      sends.push({ hash, raw: signer.lastSigned() })
      resendFailed = false
    } catch {
      // A failed read or send is tried again at the next poll.
    }
  }
  return undefined
}
