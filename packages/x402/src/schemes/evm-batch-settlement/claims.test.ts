// The paywall's claims on anvil (localFacilitator, memory store): the channels a seller charged are indexed, and
// `paywall.close()` claims them all in one claim transaction and sweeps with `settle` before it resolves; a timed
// withdrawal read on chain is claimed before its delay ends; `claims: false` indexes and claims nothing. Balances
// and channels read on chain, events as onEvent gets them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodePaymentSignature } from '../../codec/headers.js'
import type { PaymentRequirements } from '../../codec/types.js'
import { createPaywall } from '../../engine/paywall.js'
import type { PaywallEvent } from '../../engine/types.js'
import { localFacilitator } from '../../evm/facilitator.js'
import type { ChannelConfig } from '../../evm/batch-settlement/constants.js'
import { channelIdOf } from '../../evm/batch-settlement/typed-data.js'
import type { Facilitator } from '../../facilitator/types.js'
import { memoryStore, type MemoryStore } from '../../store/memory.js'
import { readPaymentRequired } from '../../testing/requests.js'
import { advanceTime, send, startBatchCast } from '../../test-support/batch-channel.js'
import { batchKit, wire } from '../../test-support/batch-facilitator.js'
import { channelIndexOf, indexKey } from './channel-index.js'
import { readChannelRecord } from './channel-record.js'
import { batchSettlement, type BatchSettlementOptions } from './options.js'

let cast: Awaited<ReturnType<typeof startBatchCast>>
let kit: ReturnType<typeof batchKit>
let facilitator: Facilitator

beforeAll(async () => {
  cast = await startBatchCast()
  kit = batchKit(cast)
  facilitator = localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, pollingIntervalMs: 50 })
}, 60_000)

afterAll(async () => {
  await cast?.anvil.stop()
})

function seller(claims: BatchSettlementOptions['claims'], store: MemoryStore = memoryStore(), via: Facilitator = facilitator) {
  const events: PaywallEvent[] = []
  const option = batchSettlement({ amount: '1000', network: kit.network, payTo: cast.receiver, asset: { address: kit.token, name: 'USDC', version: '2' }, ...(claims === undefined ? {} : { claims }) })
  const paywall = createPaywall({ routes: { 'GET /data': option }, facilitator: via, store, idempotency: false, onEvent: (event) => events.push(event) })
  const app = paywall.protect(() => Response.json({ ok: true }))
  let offer: PaymentRequirements | undefined
  /** One paid request: the deposit when `cumulative` is the first price, else a voucher; its status. */
  async function pay(config: ChannelConfig, cumulative: bigint): Promise<number> {
    offer ??= (await readPaymentRequired(await app(new Request('https://shop.test/data')))).v2!.accepts[0]!
    const payload = cumulative === 1000n ? await kit.erc3009Deposit(config, 20_000n, 1000n) : { type: 'voucher', channelConfig: wire(config), voucher: await kit.voucher(config, cumulative) }
    const response = await app(new Request('https://shop.test/data', { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignature({ x402Version: 2, accepted: offer, payload: payload as never }) } }))
    await response.arrayBuffer()
    return response.status
  }
  return { paywall, pay, events, store }
}

const batchEvents = (events: PaywallEvent[]) => events.filter((event) => event.type.startsWith('batch.'))

describe('batchSettlement() claims as a service of the paywall', () => {
  it('close() claims every charged channel in one claim transaction, then settles, before it resolves', async () => {
    const { paywall, pay, events, store } = seller({ periodicMs: 0, onWithdrawal: false })
    const configs = [kit.newChannel(), kit.newChannel()]
    for (const [i, config] of configs.entries()) {
      for (let n = 1n; n <= BigInt(3 + i); n++) expect(await pay(config, n * 1000n)).toBe(200)
    }
    const ids = configs.map((config) => channelIdOf(config, kit.chainId))
    const key = indexKey(kit.network, cast.receiver, kit.token)
    expect((await channelIndexOf(store)!.list(key)).sort()).toEqual(ids.map((id) => id.toLowerCase()).sort())
    const receiverBefore = await kit.balanceOf(cast.receiver)

    await paywall.close()
    const told = batchEvents(events)
    expect(told.map((event) => event.type)).toEqual(['batch.claimed', 'batch.settled'])
    expect(told[0]).toMatchObject({ network: kit.network, amount: '7000', channels: [{ channelId: ids[0], amount: '3000', totalClaimed: '3000' }, { channelId: ids[1], amount: '4000', totalClaimed: '4000' }] })
    expect(told[1]).toMatchObject({ amount: '7000', transaction: expect.stringMatching(/^0x/) })
    expect(await kit.balanceOf(cast.receiver)).toBe(receiverBefore + 7_000n)
    expect((await kit.stateOf(ids[0]!)).totalClaimed).toBe(3_000n)
    expect((await kit.stateOf(ids[1]!)).totalClaimed).toBe(4_000n)
    expect(await readChannelRecord(store, ids[1]!)).toMatchObject({ chargedCumulativeAmount: '4000', totalClaimed: '4000' })
    expect(await channelIndexOf(store)!.list(key)).toEqual([])
  }, 120_000)

  it('a channel charged again after a claim is listed again and claimed from where the last claim stopped', async () => {
    const { paywall, pay, events, store } = seller({ periodicMs: 0, onWithdrawal: false })
    const config = kit.newChannel()
    const id = channelIdOf(config, kit.chainId)
    for (let n = 1n; n <= 2n; n++) expect(await pay(config, n * 1000n)).toBe(200)
    const twin = seller({ periodicMs: 0, onWithdrawal: false }, store)
    await twin.paywall.close()
    expect((await kit.stateOf(id)).totalClaimed).toBe(2_000n)
    expect(await pay(config, 3000n)).toBe(200)
    await paywall.close()
    expect(batchEvents(events)[0]).toMatchObject({ type: 'batch.claimed', channels: [{ channelId: id, amount: '1000', totalClaimed: '3000' }] })
    expect((await kit.stateOf(id)).totalClaimed).toBe(3_000n)
  }, 120_000)

  it('claims a channel whose timed withdrawal it reads on chain before the delay ends: the receiver gets all it charged', async () => {
    const { paywall, pay, events } = seller({ periodicMs: 0, checkIntervalMs: 100, client: cast.owner })
    const config = kit.newChannel()
    const id = channelIdOf(config, kit.chainId)
    for (let n = 1n; n <= 4n; n++) expect(await pay(config, n * 1000n)).toBe(200)
    const receiverBefore = await kit.balanceOf(cast.receiver)
    await send(cast.payerClient, 'initiateWithdraw', [config, 20_000n - 4_000n])
    // The chain's clock close to the end of the delay: the claim must still land before it.
    await advanceTime(cast.owner, config.withdrawDelay - 30)
    const until = Date.now() + 30_000
    while (!batchEvents(events).some((event) => event.type === 'batch.settled') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(batchEvents(events).map((event) => event.type)).toEqual(['batch.claimed', 'batch.settled'])
    expect((await kit.stateOf(id)).totalClaimed).toBe(4_000n)
    expect(await kit.balanceOf(cast.receiver)).toBe(receiverBefore + 4_000n)
    await advanceTime(cast.owner, 60)
    await send(cast.payerClient, 'finalizeWithdraw', [config])
    expect((await kit.stateOf(id)).totalClaimed).toBe(4_000n)
    await paywall.close()
    expect(batchEvents(events)).toHaveLength(2)
  }, 120_000)

  it('claims: false indexes nothing and claims nothing on close()', async () => {
    const { paywall, pay, events, store } = seller(false)
    const config = kit.newChannel()
    for (let n = 1n; n <= 2n; n++) expect(await pay(config, n * 1000n)).toBe(200)
    expect(await channelIndexOf(store)!.list(indexKey(kit.network, cast.receiver, kit.token))).toEqual([])
    await paywall.close()
    expect(batchEvents(events)).toEqual([])
    expect((await kit.stateOf(channelIdOf(config, kit.chainId))).totalClaimed).toBe(0n)
  }, 120_000)

  it('a channel withdrawn and finalized under its vouchers is told and leaves the index; the others are claimed', async () => {
    const { paywall, pay, events, store } = seller({ periodicMs: 0, onWithdrawal: false, client: cast.owner })
    const [good, bad] = [kit.newChannel(), kit.newChannel()]
    for (const config of [good, bad]) for (let n = 1n; n <= 2n; n++) expect(await pay(config, n * 1000n)).toBe(200)
    await send(cast.payerClient, 'initiateWithdraw', [bad, 20_000n])
    await advanceTime(cast.owner, bad.withdrawDelay + 1)
    await send(cast.payerClient, 'finalizeWithdraw', [bad])
    const [goodId, badId] = [channelIdOf(good, kit.chainId), channelIdOf(bad, kit.chainId)]
    const receiverBefore = await kit.balanceOf(cast.receiver)

    await paywall.close()
    const told = batchEvents(events)
    expect(told.map((event) => event.type)).toEqual(['batch.failed', 'batch.claimed', 'batch.settled'])
    expect(told[0]).toMatchObject({ step: 'claim', reason: 'channel_empty', outcome: 'dropped', channels: [{ channelId: badId }], receiver: cast.receiver, token: kit.token })
    expect(told[1]).toMatchObject({ amount: '2000', channels: [{ channelId: goodId }], receiver: cast.receiver, token: kit.token })
    expect(told[2]).toMatchObject({ amount: '2000', receiver: cast.receiver, token: kit.token })
    expect(await kit.balanceOf(cast.receiver)).toBe(receiverBefore + 2_000n)
    expect((await kit.stateOf(goodId)).totalClaimed).toBe(2_000n)
    expect(await kit.stateOf(badId)).toMatchObject({ balance: 0n, totalClaimed: 0n })
    expect(await channelIndexOf(store)!.list(indexKey(kit.network, cast.receiver, kit.token))).toEqual([])
    // The seller's record keeps what was charged: a new deposit and charge would list the channel again.
    expect(await readChannelRecord(store, badId)).toMatchObject({ chargedCumulativeAmount: '2000', totalClaimed: '0' })
  }, 120_000)

  it('a facilitator that cannot be reached keeps every charged channel indexed for a later claim', async () => {
    const store = memoryStore()
    const down: Facilitator = { ...facilitator, settle: async (request, signal) => ((request.proof.payload as unknown as { payload: { type: string } }).payload.type === 'claim' ? Promise.reject(new Error('fetch failed')) : facilitator.settle(request, signal)) }
    const first = seller({ periodicMs: 0, onWithdrawal: false }, store, down)
    const config = kit.newChannel()
    const id = channelIdOf(config, kit.chainId)
    for (let n = 1n; n <= 3n; n++) expect(await first.pay(config, n * 1000n)).toBe(200)
    await first.paywall.close()
    expect(batchEvents(first.events)).toEqual([expect.objectContaining({ type: 'batch.failed', reason: 'facilitator_error', outcome: 'retry', channels: [{ channelId: id }] })])
    expect(await channelIndexOf(store)!.list(indexKey(kit.network, cast.receiver, kit.token))).toEqual([id.toLowerCase()])

    const later = seller({ periodicMs: 0, onWithdrawal: false }, store)
    await later.paywall.close()
    expect(batchEvents(later.events).map((event) => event.type)).toEqual(['batch.claimed', 'batch.settled'])
    expect((await kit.stateOf(id)).totalClaimed).toBe(3_000n)
  }, 120_000)
})
