// What the claim scheduler needs to know about the seller's channels, and what it tells back: the seller's channel
// store implements ClaimSource (the scheduler never reads the store's own shapes).
import type { Hex } from 'viem'
import type { ChannelConfig } from './constants.js'

/** One channel as the seller holds it. */
export interface ClaimableChannel {
  channelId: Hex
  config: ChannelConfig
  /** The latest voucher the buyer signed: the ceiling a claim may reach. */
  voucher: { maxClaimableAmount: bigint; signature: Hex }
  /** What the seller charged in all (at most the voucher's ceiling): what a claim takes. */
  chargedCumulativeAmount: bigint
  /** What was claimed on chain so far. */
  totalClaimed: bigint
  /** Unix seconds a timed withdrawal started (mirrored from the chain), 0 when none. */
  withdrawRequestedAt: number
}

export interface ClaimSource {
  /** The channels that may hold something unclaimed (the scheduler skips those that do not). */
  channels(): Promise<readonly ClaimableChannel[]>
  /** A claim went through: each channel's new `totalClaimed`. */
  claimed(updates: ReadonlyArray<{ channelId: Hex; totalClaimed: bigint }>): Promise<void>
  /**
   * The chain shows these channels can never be claimed as held (their escrow is empty: withdrawn, refunded or
   * finalized under the voucher): stop listing them, unless they were charged again since `chargedCumulativeAmount`.
   * A later charge lists a channel again. Optional: a source without it keeps listing them.
   */
  dropped?(rows: ReadonlyArray<{ channelId: Hex; chargedCumulativeAmount: bigint }>): Promise<void>
}

/** A source kept in memory, for tests and single-process sellers: `put` a channel's state, read it back. */
export function memoryClaimSource(): ClaimSource & { put(channel: ClaimableChannel): void; get(channelId: Hex): ClaimableChannel | undefined } {
  const channels = new Map<string, ClaimableChannel>()
  return {
    put: (channel) => void channels.set(channel.channelId.toLowerCase(), channel),
    get: (channelId) => channels.get(channelId.toLowerCase()),
    channels: async () => [...channels.values()],
    async claimed(updates) {
      for (const { channelId, totalClaimed } of updates) {
        const channel = channels.get(channelId.toLowerCase())
        if (channel) channels.set(channelId.toLowerCase(), { ...channel, totalClaimed })
      }
    },
    async dropped(rows) {
      for (const { channelId, chargedCumulativeAmount } of rows) {
        const channel = channels.get(channelId.toLowerCase())
        if (channel?.chargedCumulativeAmount === chargedCumulativeAmount) channels.delete(channelId.toLowerCase())
      }
    },
  }
}
