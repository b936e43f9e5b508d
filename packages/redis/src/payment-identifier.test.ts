// payment-identifier across instances on a shared Redis: an id bound on instance A names the same payment on B,
// which replays the kept answer for it and refuses (409) another payment under it; one charge in all.
import { paymentIdentifier, PAYMENT_ID_SCHEMA } from '@tollgate/x402/extensions'
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

const paywall = { routes: { 'GET /premium': { accepts: usdcOption, extensions: [paymentIdentifier({ required: true })] } } }
const withId = (id: string) => ({ 'payment-identifier': { info: { required: true, id }, schema: PAYMENT_ID_SCHEMA } })

describe('payment-identifier on a shared Redis', () => {
  it('B replays what A was paid for under the id, refuses another payment under it, and nothing is charged twice', async () => {
    const facilitator = sharedFacilitator()
    const a = await startInstance({ name: 'pid-a', redis, facilitator, paywall })
    const b = await startInstance({ name: 'pid-b', redis, facilitator, paywall })
    instances.push(a, b)
    const id = 'pay_shared_by_two_instances_0001'
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions: withId(id) })
    const other = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions: withId(id) })

    const paid = await a.pay(token)
    expect(paid.status).toBe(200)
    const body = await paid.text()
    await until(async () => (await client.keys('tollgate:tg:idem:*')).length >= 1, 3_000, 'the kept answer')

    const conflict = await b.pay(other)
    expect(conflict.status).toBe(409)
    expect(await conflict.json()).toMatchObject({ error: 'payment_id_conflict' })

    const retry = await b.pay(token)
    expect(retry.status).toBe(200)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(await retry.text()).toBe(body)
    expect(successfulSettles(facilitator)).toEqual([token])
  })

  it('two payments under one id at once on A and B: one is served, the other refused', async () => {
    const facilitator = sharedFacilitator()
    const a = await startInstance({ name: 'pid-c', redis, facilitator, paywall })
    const b = await startInstance({ name: 'pid-d', redis, facilitator, paywall })
    instances.push(a, b)
    const id = 'pay_raced_between_instances_02'
    const tokens = [0, 1].map(() => facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions: withId(id) }))
    const statuses = (await Promise.all([a.pay(tokens[0]!), b.pay(tokens[1]!)])).map((response) => response.status).sort()
    expect(statuses).toEqual([200, 409])
    expect(successfulSettles(facilitator)).toHaveLength(1)
  })
})
