// One value loaded on demand and kept for a TTL, with single-flight loads and stale-while-refresh: callers
// never wait for a refresh when an older value exists, and a failed refresh keeps the older value.
// Used for a facilitator's /supported, which rarely changes and must never hold up start-up or requests.
import { abortable } from './abort.js'

export interface RefreshingCacheOptions {
  /** How long a loaded value is fresh, in ms. */
  ttlMs: number
  /** After a failed refresh, how long to keep serving the stale value before trying again, in ms. */
  retryMs: number
  /** The clock, for tests. */
  now?: () => number
}

export interface RefreshingCache<T> {
  /**
   * The value: fresh from memory, stale from memory (starting a refresh in the background), or, when nothing
   * was loaded yet, from the one load in flight. `signal` stops this caller's wait, not the shared load.
   */
  get(signal?: AbortSignal): Promise<T>
}

export function createRefreshingCache<T>(load: () => Promise<T>, options: RefreshingCacheOptions): RefreshingCache<T> {
  const now = options.now ?? Date.now
  let current: { value: T; loadedAt: number } | undefined
  let inFlight: Promise<T> | undefined
  let failedAt: number | undefined

  function refresh(): Promise<T> {
    const run = (async () => {
      try {
        // Started in a microtask, so that `inFlight` is set before a synchronous throw could clear it.
        const value = await Promise.resolve().then(load)
        current = { value, loadedAt: now() }
        failedAt = undefined
        return value
      } catch (error) {
        failedAt = now()
        throw error
      } finally {
        inFlight = undefined
      }
    })()
    inFlight = run
    run.catch(() => {}) // a background refresh fails quietly: its caller already has the stale value
    return run
  }

  return {
    get(signal) {
      if (current) {
        const age = now() - current.loadedAt
        const retryDue = failedAt === undefined || now() - failedAt >= options.retryMs
        if (age >= options.ttlMs && !inFlight && retryDue) refresh()
        return Promise.resolve(current.value)
      }
      return abortable(inFlight ?? refresh(), signal, (s) => s.reason)
    },
  }
}
