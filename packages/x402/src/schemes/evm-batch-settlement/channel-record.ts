// A channel's state as the seller keeps it in the paywall's Store (memory, or @tollgate/redis shared by
// instances), and the reservation that serializes one channel's requests: one request at a time holds it, from
// verification until its charge is committed or released. The spec's per-channel state, as plain JSON.
import type { Hex } from 'viem'
import { TollgateError } from '../../errors.js'
import type { Store as GivenStore } from '../../store/types.js'
import type { LocalStore as Store } from '../contract.js'
import type { ChannelConfigWire } from '../../evm/batch-settlement/wire.js'

export interface ChannelRecord {
  channelId: Hex
  channelConfig: ChannelConfigWire
  /** What the seller charged on this channel in all (its own count, not the chain's). */
  chargedCumulativeAmount: string
  /** The latest voucher the payer signed, and its signature: what a claim sends. */
  signedMaxClaimable: string
  signature: Hex
  /** Mirrored from the chain (the facilitator's answers) at `onchainSyncedAt` (ms). */
  balance: string
  totalClaimed: string
  withdrawRequestedAt: number
  refundNonce: string
  onchainSyncedAt: number
  lastRequestTimestamp: number
}

/** The chain's side of a channel, as a record mirrors it and a facilitator reports it. */
export type ChainSide = Pick<ChannelRecord, 'balance' | 'totalClaimed' | 'withdrawRequestedAt' | 'refundNonce'>

/**
 * The record with what the chain has claimed taken in (`read`, when a facilitator just reported it): its count is
 * raised to at least `totalClaimed`, never lowered. A record behind the chain (a Store restored from an old copy, a
 * record rebuilt, a claim by another instance or tool) owes nothing below the claim, and a buyer recovering from the
 * chain signs from the claim: counting from the lost count would refuse every voucher on the channel for ever.
 */
export function caughtUp(record: ChannelRecord, read?: ChainSide, syncedAt = Date.now()): ChannelRecord {
  let next = record
  if (read !== undefined) {
    // totalClaimed only grows on chain: a read older than the record's mirror does not take it back.
    const totalClaimed = BigInt(read.totalClaimed) > BigInt(record.totalClaimed) ? read.totalClaimed : record.totalClaimed
    next = { ...record, balance: read.balance, totalClaimed, withdrawRequestedAt: read.withdrawRequestedAt, refundNonce: read.refundNonce, onchainSyncedAt: syncedAt }
  }
  return BigInt(next.chargedCumulativeAmount) < BigInt(next.totalClaimed) ? { ...next, chargedCumulativeAmount: next.totalClaimed } : next
}

/** A channel held for one request: its record as it was (undefined when the seller has none) and who holds it. */
export interface Reservation {
  record: ChannelRecord | undefined
  holder: string
}

// A record outlives any withdrawal delay (30 days at most) with room: vouchers not yet claimed are money.
const RECORD_TTL_MS = 400 * 24 * 60 * 60_000
let holderPrefix = ''
let holderCount = 0

export const channelKey = (channelId: string) => 'tg:bs:channel:' + channelId.toLowerCase()
const lockKey = (channelId: string) => 'tg:bs:lock:' + channelId.toLowerCase()

/** Holds the channel for `holdMs` and reads its record; undefined when another request holds it (channel_busy). */
export async function reserveChannel(store: Store, channelId: string, holdMs: number): Promise<Reservation | undefined> {
  // Random once per process, then counted: unique among instances and among this one's requests.
  holderPrefix ||= Array.from(crypto.getRandomValues(new Uint32Array(2)), (n) => n.toString(36)).join('') + ':'
  const holder = holderPrefix + ++holderCount
  if (!(await store.add(lockKey(channelId), holder, holdMs))) return undefined
  try {
    return { record: await store.get<ChannelRecord>(channelKey(channelId)), holder }
  } catch (error) {
    await releaseChannel(store, channelId, holder).catch(() => {})
    throw error
  }
}

/**
 * Writes the channel's new record and frees it, only while this reservation still holds it; false when it
 * expired and another request may have taken the channel since.
 */
export async function commitChannel(store: Store, channelId: string, holder: string, next: ChannelRecord, given?: GivenStore): Promise<boolean> {
  if (given?.setIfHeld) return atomicCommit(given, channelId, holder, next)
  if ((await store.get(lockKey(channelId))) !== holder) return false
  await store.set(channelKey(channelId), next, RECORD_TTL_MS)
  await releaseChannel(store, channelId, holder)
  return true
}

/** The commit in one step on the Store (redisStore's Lua script): an expired lock can never let two commits interleave. */
async function atomicCommit(given: GivenStore, channelId: string, holder: string, next: ChannelRecord): Promise<boolean> {
  try {
    return await given.setIfHeld!(lockKey(channelId), holder, channelKey(channelId), next, RECORD_TTL_MS)
  } catch (error) {
    throw new TollgateError('store_unavailable', "The paywall's store failed (setIfHeld); try again shortly.", { step: 'setIfHeld' }, { cause: error })
  }
}

/** Frees the channel without a change (nothing was charged). */
export async function releaseChannel(store: Store, channelId: string, holder: string): Promise<void> {
  await store.deleteIf(lockKey(channelId), holder)
}

/** The seller's record of a channel, without holding it (the claim scheduler, tests, `channel list`). */
export function readChannelRecord(store: Pick<Store, 'get'>, channelId: string): Promise<ChannelRecord | undefined> {
  return store.get<ChannelRecord>(channelKey(channelId))
}
