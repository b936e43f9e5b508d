import { describe, expect, it } from 'vitest'
import { failClosed } from '../../engine/guarded-store.js'
import { memoryStore } from '../../store/memory.js'
import { commitChannel, readChannelRecord, releaseChannel, reserveChannel, type ChannelRecord } from './channel-record.js'

const ID = '0x' + 'ab'.repeat(32)
const record = (charged: string): ChannelRecord => ({
  channelId: ID as `0x${string}`,
  channelConfig: {} as ChannelRecord['channelConfig'],
  chargedCumulativeAmount: charged,
  signedMaxClaimable: charged,
  signature: '0x01',
  balance: '10000',
  totalClaimed: '0',
  withdrawRequestedAt: 0,
  refundNonce: '0',
  onchainSyncedAt: 0,
  lastRequestTimestamp: 0,
})

describe('channel reservation in the Store', () => {
  it('holds a channel for one request at a time, and frees it on commit or release', async () => {
    const store = failClosed(memoryStore())
    const first = await reserveChannel(store, ID, 60_000)
    expect(first).toMatchObject({ record: undefined })
    expect(await reserveChannel(store, ID, 60_000)).toBeUndefined()
    expect(await commitChannel(store, ID, first!.holder, record('1000'))).toBe(true)
    const second = await reserveChannel(store, ID, 60_000)
    expect(second?.record).toMatchObject({ chargedCumulativeAmount: '1000' })
    await releaseChannel(store, ID, second!.holder)
    expect(await reserveChannel(store, ID, 60_000)).toBeDefined()
  })

  it('refuses a late commit: the hold expired and another request took the channel, whose count stands', async () => {
    const store = failClosed(memoryStore())
    const slow = await reserveChannel(store, ID, 20)
    await new Promise((resolve) => setTimeout(resolve, 40))
    const next = await reserveChannel(store, ID, 60_000)
    expect(next).toBeDefined()
    expect(await commitChannel(store, ID, next!.holder, record('2000'))).toBe(true)
    expect(await commitChannel(store, ID, slow!.holder, record('1000'))).toBe(false)
    expect(await readChannelRecord(store, ID)).toMatchObject({ chargedCumulativeAmount: '2000' })
  })
})
