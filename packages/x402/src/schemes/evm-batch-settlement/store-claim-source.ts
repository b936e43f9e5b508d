// The claim scheduler's ClaimSource over the seller's own channel records: the channels of one offer listed by its
// index (channel-index.ts), and each claim written back into the channel's record under the channel's lock, so
// that it cannot interleave with a request's commit (which holds the same lock from verification to commit).
import type { Hex } from 'viem'
import type { ClaimableChannel, ClaimSource } from '../../evm/batch-settlement/claim-source.js'
import { toChannelConfig } from '../../evm/batch-settlement/payload-parse.js'
import type { Store } from '../../store/types.js'
import type { LocalStore } from '../contract.js'
import { indexKey, type ChannelIndex } from './channel-index.js'
import { commitChannel, readChannelRecord, releaseChannel, reserveChannel, type ChannelRecord } from './channel-record.js'

export interface StoreClaimSourceOptions {
  store: LocalStore
  index: ChannelIndex
  /** The offer whose channels are listed: `eip155:<id>`, the receiver (payTo) and the token. */
  network: string
  receiver: string
  token: string
  /** The Store as given, for its atomic commit (`setIfHeld`) when it has one. */
  given?: Store
  /** How long a write-back waits for a channel a request holds, in ms (default 5 000; then the next claim retries). */
  lockWaitMs?: number
}

// A write-back holds the channel for a read and a write: a few ms, bounded by this if the process stops between.
const HOLD_MS = 10_000
const RETRY_MS = 25

const owed = (record: ChannelRecord) => BigInt(record.chargedCumulativeAmount) > BigInt(record.totalClaimed)

/** The seller's channels of one offer that hold unclaimed vouchers, read from its Store. */
export function storeClaimSource(options: StoreClaimSourceOptions): ClaimSource {
  const { store, index } = options
  const key = indexKey(options.network, options.receiver, options.token)
  const lockWaitMs = options.lockWaitMs ?? 5_000

  /** Runs `change` on the channel's record while holding its lock; false when a request held it all along. */
  async function underLock(channelId: string, change: (record: ChannelRecord | undefined) => Promise<ChannelRecord | undefined>): Promise<boolean> {
    const until = Date.now() + lockWaitMs
    for (;;) {
      const reservation = await reserveChannel(store, channelId, HOLD_MS)
      if (reservation) {
        const next = await change(reservation.record).catch(async (error) => {
          await releaseChannel(store, channelId, reservation.holder).catch(() => {})
          throw error
        })
        if (next) return commitChannel(store, channelId, reservation.holder, next, options.given)
        await releaseChannel(store, channelId, reservation.holder)
        return true
      }
      if (Date.now() >= until) return false
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
    }
  }

  /** Drops a listed channel that owes nothing (or has no record), checked again under its lock. */
  const prune = (channelId: string) =>
    underLock(channelId, async (record) => {
      if (record === undefined || !owed(record)) await index.remove(key, channelId)
      return undefined
    }).catch(() => false)

  return {
    async channels() {
      const ids = await index.list(key)
      const records = await Promise.all(ids.map((id) => readChannelRecord(store, id)))
      const listed: ClaimableChannel[] = []
      for (const [i, record] of records.entries()) {
        if (record === undefined || !owed(record)) await prune(ids[i]!)
        else listed.push(claimableOf(record))
      }
      return listed
    },
    async claimed(updates) {
      for (const { channelId, totalClaimed } of updates) {
        await underLock(channelId, async (record) => {
          if (record === undefined) return undefined
          const claimed = BigInt(record.totalClaimed) > totalClaimed ? BigInt(record.totalClaimed) : totalClaimed
          // Still owed (a request charged since the claim was read) stays listed for the next claim.
          if (BigInt(record.chargedCumulativeAmount) <= claimed) await index.remove(key, channelId)
          return { ...record, totalClaimed: claimed.toString() }
        })
      }
    },
    async dropped(rows) {
      for (const { channelId, chargedCumulativeAmount } of rows) {
        // Only as it was read: a charge since (a new deposit, a new voucher) keeps it listed for the next claim.
        await underLock(channelId, async (record) => {
          if (record === undefined || BigInt(record.chargedCumulativeAmount) === chargedCumulativeAmount) await index.remove(key, channelId)
          return undefined
        })
      }
    },
  }
}

function claimableOf(record: ChannelRecord): ClaimableChannel {
  return {
    channelId: record.channelId as Hex,
    config: toChannelConfig(record.channelConfig),
    voucher: { maxClaimableAmount: BigInt(record.signedMaxClaimable), signature: record.signature },
    chargedCumulativeAmount: BigInt(record.chargedCumulativeAmount),
    totalClaimed: BigInt(record.totalClaimed),
    withdrawRequestedAt: record.withdrawRequestedAt,
  }
}
