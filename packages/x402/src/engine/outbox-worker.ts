// Retries settlements that failed for a transient reason (deadline, 5xx) after the content was delivered under
// the 'deliver' policy: with backoff, until they succeed, are refused for good, or their authorisation expires.
// Entries with a transaction (settlement_pending, or a delivered settlement watched until final) are reconciled
// against it: the facilitator is asked about that transaction, and answers settlement_pending until it is done.
import { isTollgateError } from '../errors.js'
import { isSettlementPending } from '../facilitator/pending.js'
import type { Facilitator } from '../facilitator/types.js'
import type { Outbox, OutboxEntry } from '../store/types.js'
import { withDeadline } from './deadline.js'
import type { Emit } from './events.js'
import { assertSettleResult } from './verifier.js'
import type { OutboxWorker, OutboxWorkerOptions } from './outbox-worker-types.js'

export type { OutboxWorker, OutboxWorkerOptions } from './outbox-worker-types.js'

export function createOutboxWorker(
  outbox: Outbox,
  facilitator: Facilitator,
  settleTimeoutMs: number,
  emit: Emit | undefined,
  options: OutboxWorkerOptions = {},
  now: () => number = Date.now,
): OutboxWorker {
  const intervalMs = options.intervalMs ?? 1_000
  const baseDelayMs = options.baseDelayMs ?? 1_000
  const maxDelayMs = options.maxDelayMs ?? 60_000
  const batchSize = options.batchSize ?? 16
  // A lease longer than one settle call, so that an entry is not picked twice while being settled.
  const leaseMs = settleTimeoutMs + 5_000
  let timer: ReturnType<typeof setInterval> | undefined
  let running: Promise<number> | undefined

  const fields = (entry: OutboxEntry) => ({
    ...entry.origin,
    x402Version: entry.request.x402Version,
    scheme: entry.request.requirements.scheme,
    network: entry.request.requirements.network,
    payer: entry.request.verification.payer,
    amount: entry.request.amount,
  })

  // The request made attempt 1 and the first retry runs at once; then base, 2 x base, 4 x base ...
  const delayFor = (attempts: number) => Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 2))

  async function settleOne(entry: OutboxEntry): Promise<void> {
    const attempts = entry.attempts + 1
    const { transaction, watch } = entry
    try {
      // An entry with a transaction is reconciled against it: the facilitator must not send a second one.
      const result = await withDeadline('settle', settleTimeoutMs, (signal) => facilitator.settle(transaction ? { ...entry.request, pendingTransaction: transaction } : entry.request, signal))
      assertSettleResult(result)
      if (isSettlementPending(result)) {
        // Not mined (or not final) yet: asked again later, about the transaction the facilitator names now.
        const { id, ...rest } = entry
        await outbox.add({ ...rest, attempts, dueAt: Math.min(now() + delayFor(attempts), entry.expiresAt), transaction: result.transaction })
        await outbox.remove(id)
        if (!watch) emit?.('outbox.retry', { ...fields(entry), transaction: result.transaction, reason: result.errorReason })
        return
      }
      await outbox.remove(entry.id)
      // A watched settlement was delivered paid: only its loss is news.
      if (result.success) watch || emit?.('outbox.settled', { ...fields(entry), transaction: result.transaction, status: 200 })
      else emit?.('outbox.failed', { ...fields(entry), reason: result.errorReason ?? 'settlement_failed' })
    } catch (error) {
      const reason = isTollgateError(error) ? error.code : 'facilitator_error'
      if (now() >= entry.expiresAt) {
        await outbox.remove(entry.id)
        emit?.('outbox.expired', { ...fields(entry), reason })
        return
      }
      await outbox.reschedule(entry.id, { attempts, dueAt: Math.min(now() + delayFor(attempts), entry.expiresAt) })
      emit?.('outbox.retry', { ...fields(entry), reason })
    }
  }

  async function drainOnce(): Promise<number> {
    const due = await outbox.claim({ now: now(), max: batchSize, leaseMs })
    for (const entry of due) {
      if (now() >= entry.expiresAt) {
        await outbox.remove(entry.id)
        emit?.('outbox.expired', { ...fields(entry), reason: 'authorization_expired' })
        continue
      }
      await settleOne(entry)
    }
    return due.length
  }

  function drain(): Promise<number> {
    if (!running) {
      running = drainOnce().finally(() => {
        running = undefined
      })
    }
    return running
  }

  return {
    drain,
    start() {
      if (timer) return
      timer = setInterval(() => {
        drain().catch(() => {})
      }, intervalMs)
      ;(timer as { unref?: () => void }).unref?.()
    },
    async stop() {
      if (timer) clearInterval(timer)
      timer = undefined
      await running?.catch(() => 0)
    },
  }
}
