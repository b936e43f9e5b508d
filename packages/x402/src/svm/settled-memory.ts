// The spec's duplicate-settlement guard: a transaction being settled, or settled in the last two minutes (a
// blockhash's lifetime, twice), is refused a second time. The chain would not run it twice, but its RPC would
// answer success twice, and a buyer would get two resources for one payment.
import { SETTLED_MEMORY_MS } from './constants.js'

export interface SettledMemory {
  /** Takes `id` for settlement: false when it is already taken. */
  claim(id: string): boolean
  /** Gives it back after a failure that did not reach the chain, so that the buyer may retry. */
  release(id: string): void
}

export function settledMemory(keepMs = SETTLED_MEMORY_MS, now: () => number = Date.now): SettledMemory {
  const taken = new Map<string, number>()
  return {
    claim(id) {
      const at = now()
      for (const [key, since] of taken) {
        if (at - since < keepMs) break
        taken.delete(key)
      }
      if (taken.has(id)) return false
      taken.set(id, at)
      return true
    },
    release: (id) => void taken.delete(id),
  }
}
