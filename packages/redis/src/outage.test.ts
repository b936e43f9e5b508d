// When Redis is down the paywall fails closed: a paid request gets 503 store_unavailable within the command
// timeout (the replay guard cannot promise a single use), nothing is charged, and it recovers when Redis is back.
import type { PaywallEvent } from '@tollgate/x402'
import { afterAll, describe, expect, it } from 'vitest'
import { BUYER, sharedFacilitator, startInstance, successfulSettles, until, usdcOption, type Instance } from './testing/instances.js'
import { startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

let redis: RedisServer
let instance: Instance | undefined

setupOnce(async () => {
  redis = await startRedisServer()
})

afterAll(async () => {
  await instance?.kill()
  await redis?.stop()
})

describe('a Redis outage', () => {
  it('answers 503 to paid requests while Redis is down, charges nothing, and recovers', async () => {
    const facilitator = sharedFacilitator()
    const events: PaywallEvent[] = []
    instance = await startInstance({ name: 'a', redis, facilitator, commandTimeoutMs: 300, paywall: { onEvent: (event) => events.push(event) } })
    const token = () => facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await instance.pay(token())).status).toBe(200)

    await redis.stop()
    const started = Date.now()
    const down = await instance.pay(token())
    expect(down.status).toBe(503)
    expect(await down.json()).toMatchObject({ error: 'store_unavailable' })
    expect(Date.now() - started).toBeLessThan(2_000)
    // A request without payment needs no store: it still gets its 402.
    expect((await fetch(`${instance.url}/premium`)).status).toBe(402)
    expect(successfulSettles(facilitator)).toHaveLength(1)

    await redis.restart()
    const again = token()
    await until(async () => (await instance!.pay(again)).status === 200, 10_000, 'Redis to be back')
    expect(successfulSettles(facilitator)).toEqual([expect.any(String), again])
  }, 20_000)
})
