// The replay guard across instances: one single-use payment sent at once to two servers that share a Redis is
// served and settled once; every other copy gets a 402 that says why.
import { readPaymentRequired } from '@tollgate/x402/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { BUYER, sharedFacilitator, startInstance, successfulSettles, usdcOption, USDC_BASE_SEPOLIA, type Instance } from './testing/instances.js'
import { startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

let redis: RedisServer
const instances: Instance[] = []

setupOnce(async () => {
  redis = await startRedisServer()
})

afterAll(async () => {
  for (const instance of instances) await instance.kill()
  await redis?.stop()
})

describe('replay guard on a shared Redis', () => {
  it('serves and settles a payment sent to two instances at once exactly once', async () => {
    const facilitator = sharedFacilitator()
    const copies = 6
    let finished = 0
    // The winner's handler waits until every other copy has been answered, so all copies overlap in time
    // (and gives up after 3 s, so that a broken guard fails the assertions instead of hanging).
    let release!: () => void
    const othersAnswered = new Promise<void>((resolve) => (release = resolve))
    const handler = async () => {
      await Promise.race([othersAnswered, new Promise((resolve) => setTimeout(resolve, 3_000))])
      return Response.json({ content: 'premium' })
    }
    const a = await startInstance({ name: 'a', redis, facilitator, handler })
    const b = await startInstance({ name: 'b', redis, facilitator, handler })
    instances.push(a, b)
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })

    const responses = await Promise.all(
      Array.from({ length: copies }, async (_, i) => {
        const response = await (i % 2 === 0 ? a : b).pay(token)
        const body = response.status === 402 ? await readPaymentRequired(response) : await response.json()
        if (++finished === copies - 1) release()
        return { status: response.status, body }
      }),
    )

    const served = responses.filter((r) => r.status === 200)
    const refused = responses.filter((r) => r.status === 402)
    expect(served).toHaveLength(1)
    expect(served[0]!.body).toEqual({ content: 'premium' })
    expect(refused).toHaveLength(copies - 1)
    for (const { body } of refused) {
      expect(['payment_in_use', 'payment_already_used']).toContain((body as Awaited<ReturnType<typeof readPaymentRequired>>).v2?.error)
    }
    expect(successfulSettles(facilitator)).toEqual([token])
    expect(facilitator.balance(BUYER, { asset: USDC_BASE_SEPOLIA })).toBe(990_000n)
  })

  it('refuses the same payment on the other instance once it was used, with payment_already_used', async () => {
    const facilitator = sharedFacilitator()
    const a = await startInstance({ name: 'a2', redis, facilitator, paywall: { idempotency: false } })
    const b = await startInstance({ name: 'b2', redis, facilitator, paywall: { idempotency: false } })
    instances.push(a, b)
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await a.pay(token)).status).toBe(200)
    const replay = await b.pay(token)
    expect(replay.status).toBe(402)
    expect((await readPaymentRequired(replay)).v2?.error).toBe('payment_already_used')
    expect(successfulSettles(facilitator)).toEqual([token])
  })
})
