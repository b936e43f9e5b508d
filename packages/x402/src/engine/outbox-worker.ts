// Retries settlements that failed for a transient reason (deadline, 5xx) after the content was delivered under
// the 'deliver' policy: with backoff, until they succeed, are refused for good, or their authorisation expires.
import { TollgateError, isTollgateError } from '../errors.js'
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

  async function settleOne(entry: OutboxEntry): Promise<void> {
    const attempts = entry.attempts + 1
    try {
      const result = await withDeadline('settle', settleTimeoutMs, (signal) => facilitator.settle(entry.request, signal))
      assertSettleResult(result)
      await outbox.remove(entry.id)
      if (result.success) emit?.('outbox.settled', { ...fields(entry), transaction: result.transaction, status: 200 })
      else emit?.('outbox.failed', { ...fields(entry), reason: result.errorReason ?? 'settlement_failed' })
    } catch (error) {
      const reason = isTollgateError(error) ? error.code : new TollgateError('facilitator_error', String(error)).code
      if (now() >= entry.expiresAt) {
        await outbox.remove(entry.id)
        emit?.('outbox.expired', { ...fields(entry), reason })
        return
      }
      // The request made attempt 1 and the first retry runs at once; then base, 2 x base, 4 x base ...
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 2))
      await outbox.reschedule(entry.id, { attempts, dueAt: Math.min(now() + delay, entry.expiresAt) })
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
