// When the Store fails: the replay guard fails closed (503, nothing served or charged); a settled payment is still
// delivered; the verification cache only gets slower.
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../store/memory.js'
import type { Store } from '../store/types.js'
import { paidRequest } from '../testing/requests.js'
import { BUYER, ORIGIN, planOption, setup, usdcOption } from './test-setup.js'

/** A memory store whose methods can be made to fail, like a Redis that went away. */
function flakyStore(failing: Set<keyof Store>): Store {
  const inner = memoryStore()
  const fail = (name: keyof Store) => {
    if (failing.has(name)) throw new Error('ECONNREFUSED 127.0.0.1:6379')
  }
  return {
    get: (async (key: string) => (fail('get'), inner.get(key))) as Store['get'],
    set: async (key, value, ttl) => (fail('set'), inner.set(key, value, ttl)),
    add: async (key, value, ttl) => (fail('add'), inner.add(key, value, ttl)),
    delete: async (key) => (fail('delete'), inner.delete(key)),
  }
}

describe('store failures', () => {
  it('a single-use payment gets 503 when the replay guard cannot be reached, and nothing is charged', async () => {
    const { app, facilitator, next, usdcBalance } = setup({ store: flakyStore(new Set(['get', 'add'])) })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(`${ORIGIN}/premium`, token))
    expect(response.status).toBe(503)
    expect((await response.json()).error).toBe('store_unavailable')
    expect(next).not.toHaveBeenCalled()
    expect(usdcBalance()).toBe(1_000_000n)
  })

  it('a settled payment is delivered even when the consumed mark cannot be written', async () => {
    const { app, facilitator, events } = setup({ store: flakyStore(new Set(['set'])) })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(`${ORIGIN}/premium`, token))
    expect(response.status).toBe(200)
    expect(events.map((event) => event.type)).toContain('store.error')
  })

  it('a reusable token still pays when the verification cache fails', async () => {
    const { app, facilitator } = setup({ store: flakyStore(new Set(['get', 'set'])) })
    const token = facilitator.mint({ payer: BUYER, requirements: planOption.requirements })
    expect((await app(paidRequest(`${ORIGIN}/ask`, token, { method: 'POST' }))).status).toBe(200)
    expect((await app(paidRequest(`${ORIGIN}/ask`, token, { method: 'POST' }))).status).toBe(200)
    expect(facilitator.verifyCalls()).toHaveLength(2)
  })
})

describe('store failures after the lock was taken', () => {
  it('release the single-use payment, so that it pays once the Store is back', async () => {
    const failing = new Set<keyof Store>()
    const inner = memoryStore()
    let getCalls = 0
    const store: Store = {
      get: (async (key: string) => {
        getCalls++
        if (failing.has('get') && key.startsWith('tg:idem:key:')) throw new Error('ECONNRESET')
        return inner.get(key)
      }) as Store['get'],
      set: (key, value, ttl) => inner.set(key, value, ttl),
      add: (key, value, ttl) => inner.add(key, value, ttl),
      delete: (key) => inner.delete(key),
    }
    const { app, facilitator, usdcBalance } = setup({ store })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    failing.add('get')
    const withKey = { headers: { 'Idempotency-Key': 'order-1' } }
    expect((await app(paidRequest(`${ORIGIN}/premium`, token, withKey))).status).toBe(503)
    expect(getCalls).toBeGreaterThan(0)
    failing.clear()
    expect((await app(paidRequest(`${ORIGIN}/premium`, token, withKey))).status).toBe(200)
    expect(usdcBalance()).toBe(990_000n)
  })
})
