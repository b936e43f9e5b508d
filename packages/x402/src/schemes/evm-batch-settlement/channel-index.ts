// The seller's index of channels with something unclaimed, one set per offer (network, receiver, token), kept in
// the paywall's Store so that a claim after a restart (or from another instance) finds every channel. The Store
// cannot list keys: a Store with set operations (redisStore) keeps the set itself; the in-memory store keeps a Set
// object under the key (it stores values by reference). A channel enters the set when a charge makes it owe
// something and leaves it only under its channel lock, once a claim took all it owed (claim-source.ts).
import { TollgateError } from '../../errors.js'
import type { Store } from '../../store/types.js'
import type { LocalInput } from '../contract.js'

export interface ChannelIndex {
  add(key: string, channelId: string): Promise<void>
  remove(key: string, channelId: string): Promise<void>
  list(key: string): Promise<string[]>
}

/** Long enough to outlive any idle period: the set is emptied by claims, not by time. */
const MEMORY_SET_TTL_MS = 400 * 24 * 60 * 60_000

export const indexKey = (network: string, receiver: string, token: string) => `tg:bs:unclaimed:${network}:${receiver}:${token}`.toLowerCase()

/** The index over `store`, or undefined when it can keep no set (a custom Store without the set operations). */
export function channelIndexOf(store: Store): ChannelIndex | undefined {
  if (typeof store.addMember === 'function' && typeof store.removeMember === 'function' && typeof store.members === 'function') {
    return {
      add: (key, id) => store.addMember!(key, id.toLowerCase()),
      remove: (key, id) => store.removeMember!(key, id.toLowerCase()),
      list: (key) => store.members!(key),
    }
  }
  const memory = store as Partial<{ getSync(key: string): unknown; setSync(key: string, value: unknown, ttlMs: number): void }>
  if (typeof memory.getSync !== 'function' || typeof memory.setSync !== 'function') return undefined
  // Read and changed in one synchronous step: atomic within the process, which is all an in-memory store serves.
  const setOf = (key: string, create: boolean): Set<string> | undefined => {
    const found = memory.getSync!(key)
    if (found instanceof Set) return found as Set<string>
    if (!create) return undefined
    const made = new Set<string>()
    memory.setSync!(key, made, MEMORY_SET_TTL_MS)
    return made
  }
  return {
    add: async (key, id) => void setOf(key, true)!.add(id.toLowerCase()),
    remove: async (key, id) => void setOf(key, false)?.delete(id.toLowerCase()),
    list: async (key) => [...(setOf(key, false) ?? [])],
  }
}

/** Lists a channel a charge is about to make owe something, in its offer's set; a Store failure is a 503. */
export async function indexCharged(input: LocalInput, channelId: string): Promise<void> {
  const { requirements } = input.request
  const index = input.givenStore && channelIndexOf(input.givenStore)
  if (!index) return
  try {
    await index.add(indexKey(requirements.network, requirements.payTo!, requirements.asset!), channelId)
  } catch (error) {
    throw new TollgateError('store_unavailable', "The paywall's store failed (index); try again shortly.", { step: 'index' }, { cause: error })
  }
}
