// A claim batch that one bad channel cannot block, on anvil with localFacilitator: a channel withdrawn and finalized
// under the seller's voucher is found (by splitting the batch, or read on chain with a client), the other channels
// are claimed and settled, the bad one is told once and not sent again; a facilitator that fails keeps every row for
// the next claim; a claim out without a receipt is asked about, never sent twice. Balances read on chain.
import { createPublicClient, http, type Hex } from 'viem'
import { useBatchCast } from '../../test-support/batch-cast.js'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Facilitator, SettleRequest } from '../../facilitator/types.js'
import { advanceTime, send } from '../../test-support/batch-channel.js'
import { batchKit } from '../../test-support/batch-facilitator.js'
import { localFacilitator } from '../facilitator.js'
import { claimScheduler, type ClaimSchedulerEvent, type ClaimSchedulerOptions } from './claim-scheduler.js'
import { memoryClaimSource } from './claim-source.js'
import type { ChannelConfig } from './constants.js'
import { channelIdOf } from './typed-data.js'

const cast = useBatchCast()
let kit: ReturnType<typeof batchKit>
let facilitator: Facilitator
const live = () => new AbortController().signal
const rpc = (method: string, params: unknown[] = []) => cast.owner.request({ method, params } as never)
const mempool = async () => Number(((await rpc('txpool_status')) as { pending: string }).pending)

beforeAll(async () => {
  kit = batchKit(cast)
  facilitator = localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, pollingIntervalMs: 50 })
}, 30_000)

type Source = ReturnType<typeof memoryClaimSource>

async function chargedChannel(source: Source, charged: bigint) {
  const config: ChannelConfig = kit.newChannel()
  expect(await facilitator.settle(kit.requestFor(await kit.erc3009Deposit(config, 20_000n, 1000n)), live())).toMatchObject({ success: true })
  const voucher = await kit.voucher(config, charged)
  const channelId = channelIdOf(config, kit.chainId)
  source.put({ channelId, config, voucher: { maxClaimableAmount: charged, signature: voucher.signature }, chargedCumulativeAmount: charged, totalClaimed: 0n, withdrawRequestedAt: 0 })
  return { config, channelId }
}

/** The payer takes `amount` of the channel's escrow back with a timed withdrawal, waited out and finalized. */
async function withdrawn(config: ChannelConfig, amount: bigint) {
  await send(cast.payerClient, 'initiateWithdraw', [config, amount])
  await advanceTime(cast.owner, config.withdrawDelay + 1)
  await send(cast.payerClient, 'finalizeWithdraw', [config])
}

/** The scheduler over `via` (default the facilitator), with the settle payloads it sent counted by type. */
function scheduler(source: Source, extra: Partial<ClaimSchedulerOptions> = {}, via: Facilitator = facilitator) {
  const events: ClaimSchedulerEvent[] = []
  const sent: string[] = []
  const counting: Facilitator = {
    ...via,
    settle: (request: SettleRequest, signal: AbortSignal) => {
      sent.push(String((request.proof.payload as unknown as { payload: { type: string } }).payload.type))
      return via.settle(request, signal)
    },
  }
  const made = claimScheduler({ facilitator: counting, source, network: kit.network, receiver: cast.receiver, token: kit.token, checkIntervalMs: 3_600_000, onEvent: (event) => events.push(event), ...extra })
  return { made, events, sent }
}

const failures = (events: ClaimSchedulerEvent[]) => events.filter((event) => event.type === 'batch.failed')
const claimedIds = (events: ClaimSchedulerEvent[]) => events.flatMap((event) => (event.type === 'batch.claimed' ? event.channels.map((c) => c.channelId) : []))

describe('a claim batch with a channel that can no longer be claimed', () => {
  it('without a client: the batch is split, the others are claimed and settled, the bad row is told once and held', async () => {
    const source = memoryClaimSource()
    const good = [await chargedChannel(source, 1_000n), await chargedChannel(source, 2_000n), await chargedChannel(source, 3_000n)]
    const bad = await chargedChannel(source, 4_000n)
    await withdrawn(bad.config, 20_000n)
    const receiverBefore = await kit.balanceOf(cast.receiver)
    const { made, events, sent } = scheduler(source)

    expect(await made.claimAndSettle()).toMatchObject({ claimed: 3, settled: expect.stringMatching(/^0x/) })
    expect(claimedIds(events).sort()).toEqual(good.map((c) => c.channelId).sort())
    expect(failures(events)).toEqual([
      expect.objectContaining({ step: 'claim', reason: 'invalid_batch_settlement_evm_claim_simulation_failed', outcome: 'held', channels: [bad.channelId], receiver: cast.receiver, token: kit.token }),
    ])
    expect(events.at(-1)).toMatchObject({ type: 'batch.settled', amount: '6000', receiver: cast.receiver, token: kit.token })
    expect(await kit.balanceOf(cast.receiver)).toBe(receiverBefore + 6_000n)
    for (const [i, c] of good.entries()) expect((await kit.stateOf(c.channelId)).totalClaimed).toBe(BigInt(i + 1) * 1_000n)
    expect(await kit.stateOf(bad.channelId)).toMatchObject({ balance: 0n, totalClaimed: 0n })
    // 4 rows, 1 bad: the whole, then halves and quarters until it stands alone (bounded: 2·log2(4) + 1 claims).
    expect(sent.filter((type) => type === 'claim').length).toBeLessThanOrEqual(5)

    // The held row stays with the source (no chain evidence) but is not sent again, nor told again.
    const before = sent.length
    expect(await made.claimAndSettle()).toEqual({ claimed: 0 })
    expect(sent.length).toBe(before)
    expect(failures(events)).toHaveLength(1)
    expect(source.get(bad.channelId)).toBeDefined()
    await made.close()
  }, 120_000)

  it('with a client: the chain shows the emptied channel, which leaves the source; the others go in one claim', async () => {
    const source = memoryClaimSource()
    const good = [await chargedChannel(source, 1_500n), await chargedChannel(source, 2_500n)]
    const bad = await chargedChannel(source, 3_500n)
    await withdrawn(bad.config, 20_000n)
    const { made, events, sent } = scheduler(source, { client: cast.owner })

    expect(await made.claimAndSettle()).toMatchObject({ claimed: 2 })
    expect(sent).toEqual(['claim', 'claim', 'settle'])
    expect(events.map((event) => event.type)).toEqual(['batch.failed', 'batch.claimed', 'batch.settled'])
    expect(events[0]).toMatchObject({ reason: 'channel_empty', outcome: 'dropped', channels: [bad.channelId] })
    expect(claimedIds(events)).toEqual(good.map((c) => c.channelId))
    expect(events[2]).toMatchObject({ amount: '4000', receiver: cast.receiver, token: kit.token })
    expect(source.get(bad.channelId)).toBeUndefined()
    for (const c of good) expect((await kit.stateOf(c.channelId)).totalClaimed).toBe(source.get(c.channelId)!.chargedCumulativeAmount)
    await made.close()
  }, 120_000)

  it('with a client: a channel whose escrow holds less than charged is claimed for what it holds, then dropped', async () => {
    const source = memoryClaimSource()
    const good = await chargedChannel(source, 1_000n)
    const short = await chargedChannel(source, 9_000n)
    await withdrawn(short.config, 15_000n) // 5 000 stay in escrow, 9 000 were charged
    const { made, events } = scheduler(source, { client: cast.owner })

    expect(await made.claimAndSettle()).toMatchObject({ claimed: 2 })
    expect(events.find((event) => event.type === 'batch.claimed')).toMatchObject({
      channels: [{ channelId: good.channelId, amount: '1000' }, { channelId: short.channelId, amount: '5000', totalClaimed: '5000' }],
    })
    expect(failures(events)).toEqual([expect.objectContaining({ reason: 'channel_short', outcome: 'dropped', channels: [short.channelId] })])
    expect(await kit.stateOf(short.channelId)).toMatchObject({ balance: 5_000n, totalClaimed: 5_000n })
    expect(source.get(short.channelId)).toBeUndefined()
    await made.close()
  }, 120_000)
})

describe('a claim that does not go through', () => {
  it('a facilitator that fails keeps every row for the next claim, which takes them', async () => {
    const source = memoryClaimSource()
    const channels = [await chargedChannel(source, 1_200n), await chargedChannel(source, 800n)]
    let down = true
    const flaky: Facilitator = {
      ...facilitator,
      settle: async (request, signal) => {
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:8545')
        return facilitator.settle(request, signal)
      },
    }
    const { made, events } = scheduler(source, { client: cast.owner }, flaky)
    expect(await made.claimAndSettle()).toEqual({ claimed: 0 })
    expect(failures(events)).toEqual([expect.objectContaining({ reason: 'facilitator_error', outcome: 'retry', channels: channels.map((c) => c.channelId) })])
    for (const c of channels) expect(source.get(c.channelId)).toMatchObject({ totalClaimed: 0n })
    down = false
    expect(await made.claimAndSettle()).toMatchObject({ claimed: 2 })
    for (const c of channels) expect((await kit.stateOf(c.channelId)).totalClaimed).toBe(source.get(c.channelId)!.chargedCumulativeAmount)
    await made.close()
  }, 120_000)

  it('a sweep that fails is sent again at the next check, though nothing new was claimed', async () => {
    const source = memoryClaimSource()
    await chargedChannel(source, 700n)
    let sweeps = 0
    const flaky: Facilitator = {
      ...facilitator,
      settle: async (request, signal) => {
        const type = (request.proof.payload as unknown as { payload: { type: string } }).payload.type
        if (type === 'settle' && sweeps++ === 0) throw new Error('socket hang up')
        return facilitator.settle(request, signal)
      },
    }
    const receiverBefore = await kit.balanceOf(cast.receiver)
    const { made, events } = scheduler(source, { strategy: { periodicMs: 0, onWithdrawal: false } }, flaky)
    expect(await made.claimAndSettle()).toEqual({ claimed: 1 })
    expect(failures(events)).toEqual([expect.objectContaining({ step: 'settle', reason: 'facilitator_error', outcome: 'retry' })])
    await made.check()
    expect(events.at(-1)).toMatchObject({ type: 'batch.settled', amount: '700', receiver: cast.receiver })
    expect(await kit.balanceOf(cast.receiver)).toBe(receiverBefore + 700n)
    await made.check()
    expect(events.filter((event) => event.type === 'batch.settled')).toHaveLength(1)
    await made.close()
  }, 120_000)

  it('a claim out without a receipt is asked about, not sent again, while its channel is charged more', async () => {
    const client = createPublicClient({ chain: cast.anvil.chain, transport: http(cast.anvil.rpcUrl), pollingInterval: 100 })
    const slow = localFacilitator({ client, settler: cast.anvil.privateKeys[8]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, receiptTimeoutMs: 800 })
    const source = memoryClaimSource()
    const { channelId, config } = await chargedChannel(source, 1_000n)
    const { made, events, sent } = scheduler(source, {}, slow)
    await rpc('evm_setAutomine', [false])
    try {
      expect(await made.claimAndSettle()).toEqual({ claimed: 0 })
      const pending = failures(events)[0] as Extract<ClaimSchedulerEvent, { type: 'batch.failed' }>
      expect(pending).toMatchObject({ reason: 'settlement_pending', outcome: 'pending', channels: [channelId], transaction: expect.stringMatching(/^0x/) })
      // Charged again meanwhile: a new row for the same channel must wait for the claim out, not race it.
      const voucher = await kit.voucher(config, 2_500n)
      source.put({ ...source.get(channelId)!, voucher: { maxClaimableAmount: 2_500n, signature: voucher.signature as Hex }, chargedCumulativeAmount: 2_500n })
      expect(await made.claimAndSettle()).toEqual({ claimed: 0 })
      expect(await mempool()).toBe(1)
      expect(failures(events)).toHaveLength(1)
      await rpc('evm_mine')
    } finally {
      await rpc('evm_setAutomine', [true])
    }
    expect(await made.claimAndSettle()).toMatchObject({ claimed: 2 })
    const claims = events.filter((event) => event.type === 'batch.claimed')
    expect(claims).toEqual([
      expect.objectContaining({ transaction: (failures(events)[0] as { transaction: string }).transaction, channels: [{ channelId, amount: '1000', totalClaimed: '1000' }] }),
      expect.objectContaining({ channels: [{ channelId, amount: '1500', totalClaimed: '2500' }] }),
    ])
    // The first claim went out once and was asked about twice (four claim payloads), then the new row: two transactions.
    expect(sent.filter((type) => type === 'claim')).toHaveLength(4)
    expect((await kit.stateOf(channelId)).totalClaimed).toBe(2_500n)
    await made.close()
  }, 120_000)
})
