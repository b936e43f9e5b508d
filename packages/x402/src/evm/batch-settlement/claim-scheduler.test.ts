// The claim scheduler on anvil with an in-memory ClaimSource and localFacilitator: the threshold, periodic and
// on-withdrawal strategies, one claimWithSignature for many channels (in batches), the settle sweep after it, and
// close() claiming what is held; balances and channels read on chain, events for each claim and settle.
import { useBatchCast } from '../../test-support/batch-cast.js'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Facilitator } from '../../facilitator/types.js'
import { send } from '../../test-support/batch-channel.js'
import { batchKit } from '../../test-support/batch-facilitator.js'
import { anvilClient } from '../anvil.js'
import { localFacilitator } from '../facilitator.js'
import { claimScheduler, type ClaimSchedulerEvent, type ClaimSchedulerOptions } from './claim-scheduler.js'
import { memoryClaimSource } from './claim-source.js'
import type { ChannelConfig } from './constants.js'
import { channelIdOf } from './typed-data.js'

const cast = useBatchCast()
let kit: ReturnType<typeof batchKit>
let facilitator: Facilitator
const live = () => new AbortController().signal

beforeAll(async () => {
  kit = batchKit(cast)
  facilitator = localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, pollingIntervalMs: 50 })
}, 30_000)

/** A funded channel the seller charged `charged` on, under a voucher of `ceiling`, put in `source`. */
async function chargedChannel(source: ReturnType<typeof memoryClaimSource>, charged: bigint, ceiling = charged) {
  const config: ChannelConfig = kit.newChannel()
  expect(await facilitator.settle(kit.requestFor(await kit.erc3009Deposit(config, 20_000n, 1000n)), live())).toMatchObject({ success: true })
  const voucher = await kit.voucher(config, ceiling)
  const channelId = channelIdOf(config, kit.chainId)
  source.put({ channelId, config, voucher: { maxClaimableAmount: ceiling, signature: voucher.signature }, chargedCumulativeAmount: charged, totalClaimed: 0n, withdrawRequestedAt: 0 })
  return { config, channelId }
}

function scheduler(source: ReturnType<typeof memoryClaimSource>, extra: Partial<ClaimSchedulerOptions> = {}) {
  const events: ClaimSchedulerEvent[] = []
  const made = claimScheduler({
    facilitator,
    source,
    network: kit.network,
    receiver: cast.receiver,
    token: kit.token,
    checkIntervalMs: 3_600_000,
    onEvent: (event) => events.push(event),
    ...extra,
  })
  return { made, events }
}

describe('claimScheduler', () => {
  it('threshold: nothing below it; at it, one claim for three channels, then one settle of the sum', async () => {
    const source = memoryClaimSource()
    const channels = [await chargedChannel(source, 3_000n, 4_000n), await chargedChannel(source, 4_000n), await chargedChannel(source, 2_000n, 6_000n)]
    const { made, events } = scheduler(source, { strategy: { periodicMs: 0, threshold: 10_000n, onWithdrawal: false } })
    await made.check()
    expect(events).toEqual([])

    source.put({ ...source.get(channels[2]!.channelId)!, chargedCumulativeAmount: 5_000n })
    const receiverBefore = await kit.balanceOf(cast.receiver)
    await made.check()
    expect(events.map((event) => event.type)).toEqual(['batch.claimed', 'batch.settled'])
    const claimedEvent = events[0] as Extract<ClaimSchedulerEvent, { type: 'batch.claimed' }>
    expect(claimedEvent.channels).toEqual(channels.map((c, i) => ({ channelId: c.channelId, amount: ['3000', '4000', '5000'][i], totalClaimed: ['3000', '4000', '5000'][i] })))
    expect(events[1]).toMatchObject({ type: 'batch.settled', amount: '12000', receiver: cast.receiver, token: kit.token })
    expect(await kit.balanceOf(cast.receiver)).toBe(receiverBefore + 12_000n)
    for (const [i, c] of channels.entries()) {
      expect((await kit.stateOf(c.channelId)).totalClaimed).toBe([3_000n, 4_000n, 5_000n][i])
      expect(source.get(c.channelId)!.totalClaimed).toBe([3_000n, 4_000n, 5_000n][i])
    }
    await made.check()
    expect(events).toHaveLength(2)
    await made.close()
    expect(events).toHaveLength(2)
  })

  it('periodic: claims once the period passed, in batches of maxClaimsPerBatch', async () => {
    const source = memoryClaimSource()
    for (const charged of [1_000n, 2_000n, 3_000n]) await chargedChannel(source, charged)
    let clock = 1_000_000
    const { made, events } = scheduler(source, { strategy: { periodicMs: 60_000 }, maxClaimsPerBatch: 2, now: () => clock })
    await made.check()
    expect(events).toEqual([])
    clock += 60_000
    await made.check()
    expect(events.map((event) => event.type)).toEqual(['batch.claimed', 'batch.claimed', 'batch.settled'])
    expect(events[2]).toMatchObject({ amount: '6000' })
    await made.close()
  })

  it('on withdrawal: a timed withdrawal seen on chain is claimed before its delay ends', async () => {
    const source = memoryClaimSource()
    const { config, channelId } = await chargedChannel(source, 1_500n)
    const { made, events } = scheduler(source, { strategy: { periodicMs: 0 }, client: cast.owner })
    await made.check()
    expect(events).toEqual([])
    await send(anvilClient(cast.anvil, cast.payer), 'initiateWithdraw', [config, 18_000n])
    await made.check()
    expect(events.map((event) => event.type)).toEqual(['batch.claimed', 'batch.settled'])
    expect(await kit.stateOf(channelId)).toMatchObject({ totalClaimed: 1_500n, withdrawRequestedAt: expect.any(Number) })
    await made.close()
  })

  it('close() claims and settles what is held before it resolves; a failed claim is told, not thrown', async () => {
    const source = memoryClaimSource()
    const { channelId } = await chargedChannel(source, 2_500n)
    const over = await chargedChannel(source, 3_000n, 2_000n)
    const { made, events } = scheduler(source, { maxClaimsPerBatch: 1 })
    await made.close()
    expect(events.map((event) => event.type)).toEqual(['batch.claimed', 'batch.failed', 'batch.settled'])
    expect(events[1]).toMatchObject({ step: 'claim', reason: 'invalid_batch_settlement_evm_claim_simulation_failed', channels: [over.channelId] })
    expect((await kit.stateOf(channelId)).totalClaimed).toBe(2_500n)
    expect((await kit.stateOf(over.channelId)).totalClaimed).toBe(0n)
  })
})
