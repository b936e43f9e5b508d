// What localFacilitator knows about authorizations it has sent a transaction for: every transaction sent, the one
// mined (while it is in the chain), and how its watch ended. A settle call for a tracked authorization (the
// buyer's retry after settlement_pending, or the engine's outbox reconciling) is answered from here: it never
// sends a second transfer. Entries are kept an hour after their watch ended, at most MAX_ENTRIES of them.
import type { TransactionReceipt } from 'viem'
import type { SentTransaction } from './rebroadcast.js'

export interface TrackedSettlement {
  /** Every transaction sent for the authorization, the first one first: at most one of them can be mined. */
  sends: SentTransaction[]
  /** The receipt of the one mined, while it is in the chain. */
  mined: TransactionReceipt | undefined
  /** Set when a reorganisation took a mined one out. */
  reorged: boolean
  /**
   * Its settle was answered settlement_pending: the buyer has not had its answer, so a retry of the payment is
   * answered about these transactions. A settlement answered with success is not paid for twice: a second settle
   * of it is refused as a used nonce, as ever.
   */
  answeredPending: boolean
  /** How the watch ended: deep enough, the authorization expired unsettled, or settled by someone else. */
  outcome?: 'final' | 'lost' | 'foreign'
  endedAt?: number
}

const RETAIN_MS = 60 * 60_000
const MAX_ENTRIES = 10_000

export interface SettlementTracker {
  get(key: string): TrackedSettlement | undefined
  /** Starts tracking `key` (replacing what was there). */
  track(key: string, tracked: TrackedSettlement): TrackedSettlement
  /** The watch of `key` ended: kept for a while to answer late questions. */
  end(key: string, outcome: TrackedSettlement['outcome']): void
}

export function settlementTracker(now: () => number = Date.now): SettlementTracker {
  const entries = new Map<string, TrackedSettlement>()
  function prune(): void {
    for (const [key, entry] of entries) {
      const stale = entry.endedAt !== undefined && now() - entry.endedAt > RETAIN_MS
      if (!stale && entries.size <= MAX_ENTRIES) break // insertion order: the oldest come first
      entries.delete(key)
    }
  }
  return {
    get: (key) => entries.get(key),
    track(key, tracked) {
      entries.delete(key)
      entries.set(key, tracked)
      prune()
      return tracked
    },
    end(key, outcome) {
      const entry = entries.get(key)
      if (!entry) return
      entry.outcome = outcome
      entry.endedAt = now()
    },
  }
}

/** The transaction the tracked settlement stands on now: the mined one, else the last one sent. */
export function currentTransaction(tracked: TrackedSettlement): SentTransaction {
  if (tracked.mined) return tracked.sends.find((sent) => sent.hash === tracked.mined!.transactionHash) ?? tracked.sends[0]!
  return tracked.sends[tracked.sends.length - 1]!
}

/** Whether a retry of this payment is answered about its transactions out (valid, settle answers about them). */
export function isAnsweredPending(tracked: TrackedSettlement | undefined): boolean {
  return tracked !== undefined && tracked.answeredPending && tracked.outcome !== 'lost' && tracked.outcome !== 'foreign'
}
