// The buyer's record of its batch-settlement channels: what it deposited, what the seller charged and the highest
// voucher it signed. Plain JSON (amounts as decimal strings), so that a file or a database can keep it.
import type { ChannelConfigWire } from '../evm/batch-settlement/wire.js'

/** One channel as the buyer knows it. Amounts are atomic units of the channel's token, as decimal strings. */
export interface BuyerChannel {
  channelId: `0x${string}`
  /** CAIP-2 (`eip155:8453`). */
  network: string
  /** The URL of the resource it was opened for (for `channel list` and refunds). */
  resource: string
  config: ChannelConfigWire
  /** What the seller charged in all, as the receipts said (never copied from the seller's channel state). */
  charged: string
  /** The highest cumulative voucher signed on this channel. */
  signed: string
  /** What the channel holds: deposits minus refunds and withdrawals, claimed amounts included. */
  balance: string
  /** Unix milliseconds of the last change. */
  updatedAt: number
}

/** Where a `batchPayer` keeps its channels: in memory by default; the CLI keeps them in a file. */
export interface BuyerChannelStore {
  get(channelId: string): Promise<BuyerChannel | undefined>
  set(channel: BuyerChannel): Promise<void>
  delete(channelId: string): Promise<void>
  list(): Promise<BuyerChannel[]>
}

/** Channels kept in this process only: lost on exit (the payer then recovers them from the chain and the seller). */
export function memoryBuyerChannelStore(): BuyerChannelStore {
  const channels = new Map<string, BuyerChannel>()
  return {
    get: async (channelId) => copy(channels.get(channelId.toLowerCase())),
    set: async (channel) => void channels.set(channel.channelId.toLowerCase(), copy(channel)!),
    delete: async (channelId) => void channels.delete(channelId.toLowerCase()),
    list: async () => [...channels.values()].map((channel) => copy(channel)!),
  }
}

function copy(channel: BuyerChannel | undefined): BuyerChannel | undefined {
  return channel === undefined ? undefined : { ...channel, config: { ...channel.config } }
}
