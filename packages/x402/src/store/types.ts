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
}
