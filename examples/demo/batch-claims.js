// The seller's claims of GET /quote's channels (batch-settlement): when the API stops, everything its vouchers
// hold is claimed in one transaction and settled to the receiver in another, before the chain stops.
//
// Stand-in until `paywall.close()` does this itself (issue 23: it claims what is unclaimed, settles, and emits
// `batch.claimed` / `batch.settled`): the demo notes the channels the paywall writes to its Store and drives
// `claimScheduler` over them. At that merge, `settleHeldChannels` becomes `paywall.close()` and this file goes.
import { claimScheduler, readChannelRecord } from '@tollgate/x402/evm'

/**
 * @typedef {import('@tollgate/x402').Store} Store
 * @typedef {import('@tollgate/x402').Facilitator} Facilitator
 * @typedef {import('@tollgate/x402/evm').ClaimSchedulerEvent} ClaimSchedulerEvent
 * @typedef {import('@tollgate/x402/evm').ClaimableChannel} ClaimableChannel
 * @typedef {import('@tollgate/x402/evm').ChannelRecord} ChannelRecord
 *
 * @typedef {object} BatchClaims
 * @property {Store} store  give this to the paywall: the Store, with the channels it writes noted
 * @property {() => Promise<void>} settleHeldChannels  claims every unclaimed voucher (one claim), then settles
 */

// The paywall's channel records (schemes/evm-batch-settlement/channel-record.ts): key prefix and lifetime.
const CHANNEL_PREFIX = 'tg:bs:channel:'
const RECORD_TTL_MS = 400 * 24 * 60 * 60_000

/**
 * @param {{ store: Store, facilitator: Facilitator, network: string, receiver: `0x${string}`, token: `0x${string}`, onEvent: (event: ClaimSchedulerEvent) => void }} options
 * @returns {BatchClaims}
 */
export function batchClaims({ store, facilitator, network, receiver, token, onEvent }) {
  /** @type {Set<string>} */
  const channelIds = new Set()
  /** @type {Store} */
  const noting = Object.create(store, {
    set: {
      value: (/** @type {string} */ key, /** @type {unknown} */ value, /** @type {number} */ ttlMs) => {
        if (key.startsWith(CHANNEL_PREFIX)) channelIds.add(key.slice(CHANNEL_PREFIX.length))
        return store.set(key, value, ttlMs)
      },
    },
  })
  /** @type {import('@tollgate/x402/evm').ClaimSource} */
  const source = {
    async channels() {
      const records = await Promise.all([...channelIds].map((id) => readChannelRecord(store, id)))
      return records.filter((record) => record !== undefined).map(claimable)
    },
    async claimed(updates) {
      for (const { channelId, totalClaimed } of updates) {
        const record = await readChannelRecord(store, channelId)
        if (record) await store.set(CHANNEL_PREFIX + channelId.toLowerCase(), { ...record, totalClaimed: totalClaimed.toString() }, RECORD_TTL_MS)
      }
    },
  }
  // No timer claims in the demo (a real seller keeps the periodic default): the claim happens when the API stops.
  const scheduler = claimScheduler({ facilitator, source, network, receiver, token, strategy: { periodicMs: 0, onWithdrawal: false }, onEvent })
  return { store: noting, settleHeldChannels: () => scheduler.close() }
}

/**
 * @param {ChannelRecord} record
 * @returns {ClaimableChannel}
 */
function claimable(record) {
  return {
    channelId: record.channelId,
    config: /** @type {ClaimableChannel['config']} */ (record.channelConfig),
    voucher: { maxClaimableAmount: BigInt(record.signedMaxClaimable), signature: record.signature },
    chargedCumulativeAmount: BigInt(record.chargedCumulativeAmount),
    totalClaimed: BigInt(record.totalClaimed),
    withdrawRequestedAt: record.withdrawRequestedAt,
  }
}

/**
 * A claim or settle as one log line: `batch.claimed channels=1 amount=50000 tx=0x..`.
 *
 * @param {ClaimSchedulerEvent} event
 */
export function batchEventLine(event) {
  if (event.type === 'batch.claimed') {
    const amount = event.channels.reduce((sum, channel) => sum + BigInt(channel.amount), 0n)
    return `${event.type} channels=${event.channels.length} amount=${amount} tx=${event.transaction}`
  }
  if (event.type === 'batch.settled') return `${event.type} receiver=${event.receiver} amount=${event.amount} tx=${event.transaction}`
  return `${event.type} step=${event.step} reason=${event.reason} ${event.message}`
}
