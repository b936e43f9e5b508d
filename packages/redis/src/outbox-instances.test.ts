// The settlement outbox on a shared Redis, through real paywalls: an entry left by a crashed instance is settled
// by the next one, two workers never settle one entry twice, and a lease left by a dead worker runs out.
import type { PaywallEvent } from '@tollgate/x402'
import { readReceipt } from '@tollgate/x402/testing'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { redisOutbox } from './index.js'
import { BUYER, sharedFacilitator, startInstance, successfulSettles, until, usdcOption, USDC_BASE_SEPOLIA, type Instance } from './testing/instances.js'
import { connect, startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

let redis: RedisServer
let client: Awaited<ReturnType<typeof connect>>
const instances: Instance[] = []

setupOnce(async () => {
  redis = await startRedisServer()
  client = await connect(redis)
})

beforeEach(async () => {
  await client.flushAll()
})

// Every instance is gone before the next test: a live worker would take that test's entries.
afterEach(async () => {
  for (const instance of instances.splice(0)) await instance.kill()
})

afterAll(async () => {
  client?.destroy()
  await redis?.stop()
})

// A worker that never wakes up on its own: the test says when it drains.
const IDLE_WORKER = { intervalMs: 600_000 }
const DELIVER = { onSettleFailure: 'deliver', settleTimeoutMs: 50 } as const

async function start(name: string, facilitator: ReturnType<typeof sharedFacilitator>, paywall: object = {}) {
  const instance = await startInstance({ name, redis, facilitator, outbox: true, paywall: { ...DELIVER, outboxWorker: IDLE_WORKER, ...paywall } })
  instances.push(instance)
  return instance
}

describe('settlement outbox on a shared Redis', () => {
  it('settles, exactly once, what a crashed instance left: the next instance picks it up', async () => {
    const facilitator = sharedFacilitator()
    const a = await start('a', facilitator)
    facilitator.fail('settle', { type: 'throw' })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await a.pay(token)
    expect(response.status).toBe(200)
    expect(readReceipt(response)).toMatchObject({ success: false })
    expect(await a.outbox!.count()).toBe(1)

    await a.kill() // no drain: the entry is only in Redis now
    facilitator.heal()
    const events: PaywallEvent[] = []
    await start('b', facilitator, { outboxWorker: { intervalMs: 20 }, onEvent: (event: PaywallEvent) => events.push(event) })
    await until(async () => (await redisOutbox({ client }).count()) === 0, 5_000, 'the outbox to empty')
    await new Promise((resolve) => setTimeout(resolve, 100)) // a few more worker rounds: nothing else is settled
    expect(successfulSettles(facilitator)).toEqual([token])
    expect(facilitator.balance(BUYER, { asset: USDC_BASE_SEPOLIA })).toBe(990_000n)
    expect(events.filter((event) => event.type === 'outbox.settled')).toHaveLength(1)
  })

  it('retries with backoff: a failed retry comes back when due, on whichever instance looks', async () => {
    const facilitator = sharedFacilitator()
    const events: PaywallEvent[] = []
    const onEvent = (event: PaywallEvent) => events.push(event)
    const a = await start('a4', facilitator, { onEvent, outboxWorker: { ...IDLE_WORKER, baseDelayMs: 300 } })
    const b = await start('b4', facilitator, { onEvent, outboxWorker: { ...IDLE_WORKER, baseDelayMs: 300 } })
    facilitator.fail('settle', { type: 'throw' }, { times: 2 })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await a.pay(token)).status).toBe(200)

    expect(await a.paywall.outbox.drain()).toBe(1) // fails again: back in 300 ms
    expect(await b.paywall.outbox.drain()).toBe(0)
    expect(await a.outbox!.count()).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 350))
    expect(await b.paywall.outbox.drain()).toBe(1)
    expect(successfulSettles(facilitator)).toEqual([token])
    expect(events.filter((event) => event.type.startsWith('outbox.')).map((event) => event.type)).toEqual(['outbox.enqueued', 'outbox.retry', 'outbox.settled'])
    expect(await a.outbox!.count()).toBe(0)
  })

  it('lets two workers drain concurrently without settling any entry twice', async () => {
    const facilitator = sharedFacilitator()
    const a = await start('a2', facilitator, { outboxWorker: { ...IDLE_WORKER, batchSize: 3 } })
    const b = await start('b2', facilitator, { outboxWorker: { ...IDLE_WORKER, batchSize: 3 } })
    const tokens = Array.from({ length: 12 }, () => facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements }))
    facilitator.fail('settle', { type: 'throw' }, { times: tokens.length })
    for (const [i, token] of tokens.entries()) expect((await (i % 2 ? b : a).pay(token)).status).toBe(200)
    expect(await a.outbox!.count()).toBe(12)

    // Each settle takes a while, so that the two workers' batches overlap.
    facilitator.fail('settle', { type: 'delay', ms: 5 })
    const handled: number[] = []
    while ((await a.outbox!.count()) > 0) {
      handled.push(...(await Promise.all([a.paywall.outbox.drain(), b.paywall.outbox.drain()])))
    }
    expect(handled.reduce((sum, n) => sum + n, 0)).toBe(12)
    expect(successfulSettles(facilitator).sort()).toEqual([...tokens].sort())
    expect(facilitator.settleCalls()).toHaveLength(24) // 12 failed at request time, 12 retries, no more
  })

  it('gives an entry whose worker died mid-settle to another worker once the lease ran out', async () => {
    const facilitator = sharedFacilitator()
    const a = await start('a3', facilitator)
    facilitator.fail('settle', { type: 'throw' }, { times: 1 })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await a.pay(token)).status).toBe(200)

    // A worker takes the entry, then its process dies before settling: the entry stays leased to it.
    const dead = redisOutbox({ client, consumer: 'dead' })
    expect(await dead.claim({ now: Date.now(), max: 10, leaseMs: 1 })).toHaveLength(1)
    const b = await start('b3', facilitator)
    // b's worker leases for settleTimeoutMs + 5 s: until then the entry is not its to take.
    const claimedAt = Date.now()
    expect(await b.paywall.outbox.drain()).toBe(0)
    await until(async () => (await b.paywall.outbox.drain()) === 1, 8_000, 'the lease to run out')
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(5_000)
    expect(successfulSettles(facilitator)).toEqual([token])
    expect(await dead.count()).toBe(0)
  }, 15_000)
})
