// The settlement outbox in memory: enough for one process (entries die with it; use @tollgate/redis to keep them).
import type { Outbox, OutboxEntry } from './types.js'

export interface MemoryOutbox extends Outbox {
  /** Entries held, leased or not. */
  readonly size: number
}

export function memoryOutbox(): MemoryOutbox {
  const entries = new Map<string, OutboxEntry & { leasedUntil: number }>()
  let counter = 0
  return {
    get size() {
      return entries.size
    },
    async add(entry) {
      const id = `${entry.enqueuedAt}-${++counter}`
      entries.set(id, { ...entry, id, leasedUntil: 0 })
      return id
    },
    async claim({ now, max, leaseMs }) {
      const claimed: OutboxEntry[] = []
      for (const entry of entries.values()) {
        if (claimed.length >= max) break
        if (entry.dueAt > now || entry.leasedUntil > now) continue
        entry.leasedUntil = now + leaseMs
        const { leasedUntil: _lease, ...plain } = entry
        claimed.push(structuredClone(plain))
      }
      return claimed
    },
    async reschedule(id, { attempts, dueAt }) {
      const entry = entries.get(id)
      if (!entry) return
      entry.attempts = attempts
      entry.dueAt = dueAt
      entry.leasedUntil = 0
    },
    async remove(id) {
      entries.delete(id)
    },
  }
}
