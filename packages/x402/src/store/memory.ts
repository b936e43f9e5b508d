// A bounded in-memory Store for one process. No dependency and no timers, so it runs on Node, Bun,
// Deno and edge runtimes alike. A Map keeps insertion order; re-inserting an entry on every use
// makes that order "least recently used first", which is all the LRU bookkeeping we need.
import { TollgateError } from '../errors.js'
import type { Store } from './types.js'

export interface MemoryStoreOptions {
  /** Most entries kept at once; the least recently used one is evicted first. Default 10 000. */
  maxEntries?: number
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number
}

/**
 * The in-memory Store, with synchronous twins of its methods for callers on a hot path.
 * Values are kept by reference: do not mutate an object after storing it.
 */
export interface MemoryStore extends Store {
  /** Like `get`, without the promise. */
  getSync<T = unknown>(key: string): T | undefined
  /** Like `set`, without the promise. */
  setSync(key: string, value: unknown, ttlMs: number): void
  /** Like `add`, without the promise: true when this call stored the value. */
  addSync(key: string, value: unknown, ttlMs: number): boolean
  /** Like `delete`, without the promise. */
  deleteSync(key: string): void
  /** Removes `key` only while it holds `value` (compared as JSON). */
  deleteIf(key: string, value: unknown): Promise<void>
  /** Entries held right now, counting expired ones not yet dropped. Never above `maxEntries`. */
  readonly size: number
  /** Drop every entry. */
  clear(): void
}

interface Entry {
  value: unknown
  expiresAt: number
}

export const DEFAULT_MAX_ENTRIES = 10_000
// Expired entries are dropped when read, and a few of the oldest are checked on every write,
// so a store that is only written to does not fill with dead entries before the LRU bound bites.
const SWEEP_PER_WRITE = 4

/** A bounded in-memory Store: per-entry TTL, least-recently-used eviction, atomic `add` within the process. */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TollgateError('invalid_options', `memoryStore: maxEntries must be a positive integer, got ${String(maxEntries)}.`, {
      path: 'maxEntries',
      expected: 'a positive integer',
    })
  }
  const store = boundedStore(maxEntries, options.now ?? Date.now)
  // A caller's TTLs are checked here; the paywall's own stores (boundedStore) only ever get positive ones.
  const { setSync, addSync } = store
  store.setSync = (key, value, ttlMs) => (checkTtl(ttlMs), setSync(key, value, ttlMs))
  store.addSync = (key, value, ttlMs) => (checkTtl(ttlMs), addSync(key, value, ttlMs))
  store.set = settled(store.setSync)
  store.add = settled(store.addSync)
  return store
}

/**
 * memoryStore with a bound known to be a positive integer and TTLs known to be positive (createPaywall's own
 * stores: its TTLs are checked options or computed from them).
 */
export function boundedStore(maxEntries: number, now: () => number = Date.now): MemoryStore {
  const entries = new Map<string, Entry>()

  /** The entry under `key` if it is still alive; drops it when expired. */
  function live(key: string, at: number): Entry | undefined {
    const entry = entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= at) {
      entries.delete(key)
      return undefined
    }
    return entry
  }

  // The key inserted last: touching it again would change nothing (a hot token's cache entry, read in a row).
  let newest: string | undefined

  function touch(key: string, entry: Entry): void {
    if (key === newest) return
    entries.delete(key)
    entries.set(key, entry)
    newest = key
  }

  function write(key: string, value: unknown, ttlMs: number, at: number): void {
    entries.delete(key)
    entries.set(key, { value, expiresAt: at + ttlMs })
    newest = key
    sweep(at)
    // Map iteration starts at the least recently used entry (there is one: the size is above maxEntries >= 1).
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
  }

  function sweep(at: number): void {
    let checked = 0
    for (const [key, entry] of entries) {
      if (checked++ >= SWEEP_PER_WRITE) break
      if (entry.expiresAt <= at) entries.delete(key)
    }
  }

  function getSync<T = unknown>(key: string): T | undefined {
    const entry = live(key, now())
    if (entry === undefined) return undefined
    touch(key, entry)
    return entry.value as T
  }

  function setSync(key: string, value: unknown, ttlMs: number): void {
    write(key, value, ttlMs, now())
  }

  // Check and set in one synchronous step: no await between them, so two callers in this
  // process can never both see the key absent.
  function addSync(key: string, value: unknown, ttlMs: number): boolean {
    const at = now()
    const existing = live(key, at)
    if (existing !== undefined) {
      touch(key, existing)
      return false
    }
    write(key, value, ttlMs, at)
    return true
  }

  function deleteSync(key: string): void {
    entries.delete(key)
  }

  function deleteIfSync(key: string, value: unknown): void {
    const entry = live(key, now())
    if (entry !== undefined && JSON.stringify(entry.value) === JSON.stringify(value)) entries.delete(key)
  }

  return {
    getSync,
    setSync,
    addSync,
    deleteSync,
    get: settled(getSync) as Store['get'],
    set: settled(setSync),
    add: settled(addSync),
    delete: settled(deleteSync),
    deleteIf: settled(deleteIfSync),
    get size() {
      return entries.size
    },
    clear() {
      entries.clear()
    },
  }
}

function checkTtl(ttlMs: number): void {
  // Infinity is allowed and means "until evicted".
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs) || ttlMs <= 0) {
    throw new TollgateError('invalid_options', `memoryStore: ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}.`, {
      path: 'ttlMs',
      expected: 'a number > 0',
    })
  }
}

/** `work` as a Store method: it runs now and reports its result or error as a promise, like any other Store would. */
function settled<A extends unknown[], T>(work: (...args: A) => T): (...args: A) => Promise<T> {
  return (...args) => {
    try {
      return Promise.resolve(work(...args))
    } catch (error) {
      return Promise.reject(error)
    }
  }
}
