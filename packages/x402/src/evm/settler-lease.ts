// One settler key, one instance: localFacilitator keeps its nonces in memory, so two server instances sending from
// one key would take the same nonces and undo each other's settlements. Given the Store the instances share (e.g.
// @tollgate/redis), it holds a lease on its key there, renewed while it lives; an instance that finds the key
// leased to another refuses to send (a 502 that names the key) rather than clash. A holder that dies frees the key
// when its lease runs out.
import type { Address } from 'viem'
import { TollgateError } from '../errors.js'
import type { Store } from '../store/types.js'

export const SETTLER_LEASE_MS = 30_000

export interface SettlerLease {
  /**
   * Resolves when this instance holds the key: `'acquired'` when it has just taken it (its nonces must be learned
   * again: another instance may have sent meanwhile), `'held'` when it held it already. Rejects when another does.
   */
  hold(): Promise<'acquired' | 'held'>
}

export function settlerLease(store: Store, chainId: () => Promise<number>, settler: Address, ttlMs = SETTLER_LEASE_MS): SettlerLease {
  const instance = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
  let heldUntil = 0
  let asking: Promise<'acquired' | 'held'> | undefined
  let renewal: ReturnType<typeof setInterval> | undefined

  async function claim(): Promise<'acquired' | 'held'> {
    const key = `tollgate:settler:${await chainId()}:${settler.toLowerCase()}`
    const since = Date.now()
    if (await store.add(key, instance, ttlMs)) return taken(since, 'acquired')
    const holder = await store.get<string>(key)
    if (holder === instance) {
      await store.set(key, instance, ttlMs)
      return taken(since, 'held')
    }
    if (holder === undefined) return claim() // it ran out between the two calls
    heldUntil = 0
    throw new TollgateError(
      'facilitator_error',
      `localFacilitator: the settler ${settler} is in use by another instance (${holder}): give each instance its own settler key.`,
      { reason: 'settler_in_use', settler, holder },
    )
  }

  function taken(since: number, how: 'acquired' | 'held'): 'acquired' | 'held' {
    heldUntil = since + ttlMs
    // Kept while this instance lives, not only while it sends: a second instance is refused consistently.
    renewal ??= setInterval(() => void hold().catch(() => undefined), ttlMs / 3)
    renewal.unref?.()
    return how
  }

  function hold(): Promise<'acquired' | 'held'> {
    // Asked again when a third of the lease has gone: between, a settlement does not wait on the Store.
    if (Date.now() < heldUntil - (2 * ttlMs) / 3) return Promise.resolve('held')
    asking ??= claim().finally(() => {
      asking = undefined
    })
    return asking
  }

  return { hold }
}
