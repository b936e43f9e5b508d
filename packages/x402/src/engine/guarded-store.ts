// Store failures, made explicit. The replay guard fails closed (503: we cannot promise a single use), while the
// verification cache degrades to no cache: a slower request is better than a refused one.
import { TollgateError, isTollgateError } from '../errors.js'
import type { Store } from '../store/types.js'

/** The replay guard's store, as the paywall uses it: a failure is a 503 that names the call. */
export function failClosed(store: Store): Pick<Store, 'get' | 'set' | 'add'> & { deleteIf: NonNullable<Store['deleteIf']> } {
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
