// Idempotent paid retries across instances: the response kept by one instance in Redis is replayed by another,
// and the retry is not settled again.
import { afterAll, describe, expect, it } from 'vitest'
import { BUYER, sharedFacilitator, startInstance, successfulSettles, until, usdcOption, type Instance } from './testing/instances.js'
import { connect, startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

let redis: RedisServer
let client: Awaited<ReturnType<typeof connect>>
const instances: Instance[] = []

setupOnce(async () => {
  redis = await startRedisServer()
  client = await connect(redis)
})

afterAll(async () => {
  for (const instance of instances) await instance.kill()
  client?.destroy()
  await redis?.stop()
})

/** The kept response is written once its body has streamed out; wait for it before retrying elsewhere. */
async function kept(count: number) {
  await until(async () => (await client.keys('tollgate:tg:idem:*')).length >= count, 3_000, 'the kept response in Redis')
}

describe('idempotent paid retries on a shared Redis', () => {
  it('replays on instance B the response paid on instance A, without a second settlement', async () => {
    const facilitator = sharedFacilitator()
    const a = await startInstance({ name: 'a', redis, facilitator })
    const b = await startInstance({ name: 'b', redis, facilitator })
    instances.push(a, b)
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })

    const first = await a.pay(token)
    expect(first.status).toBe(200)
    const body = await first.text()
    expect(JSON.parse(body)).toEqual({ servedBy: 'a', n: 1 })
    await kept(1)

    const retry = await b.pay(token)
    expect(retry.status).toBe(200)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(await retry.text()).toBe(body)
    expect(successfulSettles(facilitator)).toEqual([token])
  })

  it('replays for the same Idempotency-Key with a new payment on B, which is then not charged', async () => {
    await client.flushAll()
    const facilitator = sharedFacilitator()
    const a = await startInstance({ name: 'a3', redis, facilitator })
    const b = await startInstance({ name: 'b3', redis, facilitator })
    instances.push(a, b)
    const headers = { 'Idempotency-Key': 'order-42' }
    const first = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const second = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })

    const paid = await a.pay(first, { headers })
    const body = await paid.text()
    await kept(2) // by payment and by key
    const retry = await b.pay(second, { headers })
    expect(retry.status).toBe(200)
    expect(await retry.text()).toBe(body)
    expect(successfulSettles(facilitator)).toEqual([first])
    // The second payment was only held for the retry, then let go: it still pays for something new.
    const fresh = await b.pay(second)
    expect(fresh.status).toBe(200)
    expect(await fresh.json()).toEqual({ servedBy: 'b3', n: 1 })
  })
})
