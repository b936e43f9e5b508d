// Store failures, made explicit. The replay guard fails closed (503: we cannot promise a single use), while the
// verification cache degrades to no cache: a slower request is better than a refused one.
import { TollgateError, isTollgateError } from '../errors.js'
import type { Store } from '../store/types.js'

/** A Store whose failures are 503s (`store_unavailable`): what the replay guard and the extensions' steps use. */
export type GuardedStore = Pick<Store, 'get' | 'set' | 'add'> & { deleteIf: NonNullable<Store['deleteIf']> }

/** The replay guard's store, as the paywall uses it: a failure is a 503 that names the call. */
export function failClosed(store: Store): GuardedStore {
  const wrap =
    <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args)
      } catch (error) {
        if (isTollgateError(error)) throw error
        throw new TollgateError('store_unavailable', `The paywall's store failed (${name}); try again shortly.`, { step: name }, { cause: error })
      }
    }
  return {
    get: wrap('get', (key) => store.get(key)) as Store['get'],
    set: wrap('set', (key, value, ttlMs) => store.set(key, value, ttlMs)),
    add: wrap('add', (key, value, ttlMs) => store.add(key, value, ttlMs)),
    deleteIf: wrap('deleteIf', (key, value) => (store.deleteIf ? store.deleteIf(key, value) : store.delete(key))),
  }
}

// Each Store's guard, made on first use and kept as long as the Store lives (a guard holds no state of its own).
const guards = new WeakMap<Store, GuardedStore>()

/** failClosed(store), made once per Store: for steps that run per request, which should not build it each time. */
export function failClosedOnce(store: Store): GuardedStore {
  let guarded = guards.get(store)
  if (!guarded) guards.set(store, (guarded = failClosed(store)))
  return guarded
}

/** The verification cache's store, as the verifier uses it: a read that fails is a miss. */
export function failOpen(store: Store): Pick<Store, 'get' | 'set'> {
  return {
    get: (async (key: string) => {
      try {
        return await store.get(key)
      } catch {
        return undefined
      }
    }) as Store['get'],
    set: async (key, value, ttlMs) => {
      try {
        await store.set(key, value, ttlMs)
      } catch {
        // A cache that cannot be written is only a slower cache.
      }
    },
  }
}
