// The Store: shared state of the paywall (verification cache, locks on single-use payments,
// consumed payments). In memory by default; @tollgate/redis shares it between instances.

export interface Store {
  /** The value stored under `key`, or undefined when absent or expired. */
  get<T = unknown>(key: string): Promise<T | undefined>
  /** Store `value` under `key` for `ttlMs` milliseconds. */
  set(key: string, value: unknown, ttlMs: number): Promise<void>
  /** Store only if `key` is absent; true when this call stored it (a lock, or a first use). */
  add(key: string, value: unknown, ttlMs: number): Promise<boolean>
  /** Remove `key`. */
  delete(key: string): Promise<void>
  /**
   * Optional: remove `key` only while it still holds `value` (compared as JSON), atomically. Releasing a lock
   * with it cannot remove a lock that expired and was taken by another request since. Stores without it are
   * released with `delete`.
   */
  deleteIf?(key: string, value: unknown): Promise<void>
  /**
   * Optional, the three together: a set of strings under `key` (kept until its last member is removed), each call
   * atomic. Batch-settlement keeps its index of channels with something unclaimed in one, so that a claim finds them
   * after a restart (redisStore: SADD, SREM, SMEMBERS; memoryStore keeps it in process without them).
   */
  /**
   * Optional: store `value` under `key` and remove `lockKey`, only while `lockKey` still holds `holder` (compared as
   * JSON), in one atomic step; true when it did. A request's commit under an expired lock then cannot overwrite what
   * the lock's next holder wrote (redisStore: one Lua script). Stores without it check, then set, then release.
   */
  setIfHeld?(lockKey: string, holder: unknown, key: string, value: unknown, ttlMs: number): Promise<boolean>
  addMember?(key: string, member: string): Promise<void>
  removeMember?(key: string, member: string): Promise<void>
  members?(key: string): Promise<string[]>
}

/**
 * A settlement to retry (it failed for a transient reason after the content was delivered), to reconcile (its
 * transaction went out without a receipt in time), or to watch until final.
 */
export interface OutboxEntry {
  id: string
  /** The settle call to repeat, as the engine built it (plain JSON). */
  request: import('../facilitator/types.js').SettleRequest
  /** Attempts made so far, the first one included. */
  attempts: number
  /** Not before this time (ms since the epoch). */
  dueAt: number
  /** Give up after this time (ms): when the authorisation expires. */
  expiresAt: number
  enqueuedAt: number
  /** Where the payment came from, for events. */
  origin: { route: string; method: string; path: string; tokenHash: string }
  /**
   * A transaction already sent for this settlement (the facilitator answered `settlement_pending`, or `watch`):
   * the worker reconciles against it (`pendingTransaction`) instead of settling anew.
   */
  transaction?: string
  /** A delivered, successful settlement kept until the facilitator says it is final (`watchesSettlements`). */
  watch?: boolean
}

/**
 * A durable queue of settlements to retry. In memory by default; @tollgate/redis keeps it in a Redis stream so
 * that nothing is lost across a restart and several instances share the work.
 */
export interface Outbox {
  /** Enqueue; returns the entry's id. */
  add(entry: Omit<OutboxEntry, 'id'>): Promise<string>
  /** Entries due at `now`, leased to the caller for `leaseMs`: nobody else gets them until the lease ends. */
  claim(options: { now: number; max: number; leaseMs: number }): Promise<OutboxEntry[]>
  /** Try again later. */
  reschedule(id: string, update: { attempts: number; dueAt: number }): Promise<void>
  /** Done with it: settled, refused for good, or expired. */
  remove(id: string): Promise<void>
}
