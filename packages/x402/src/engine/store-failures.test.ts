// When the Store fails: the replay guard fails closed (503, nothing served or charged); a settled payment is still
// delivered; the verification cache only gets slower.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { memoryOutbox } from '../store/memory-outbox.js'
import { memoryStore } from '../store/memory.js'
import type { Store } from '../store/types.js'
import { paidRequest, readPaymentRequired } from '../testing/requests.js'
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

  it('a delivered settlement that cannot be kept for the reorg watch is still delivered, and a store.error says so', async () => {
    const outbox = memoryOutbox()
    outbox.add = async () => {
      throw new Error('ECONNREFUSED 127.0.0.1:6379')
    }
    const { app, facilitator, events, paywall } = setup({ outbox })
    Object.assign(facilitator, { watchesSettlements: true })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(`${ORIGIN}/premium`, token))
    expect(response.status).toBe(200)
    await vi.waitFor(() => expect(events.find((event) => event.type === 'store.error')).toMatchObject({ reason: 'outbox_unavailable' }))
    await paywall.close()
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

describe('a lock whose release fails', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  /** A memory store whose compare-and-delete fails `failures` times, like a Redis that blipped. */
  function blippingRelease(failures: number) {
    const inner = memoryStore()
    let left = failures
    const store: Store = {
      get: ((key: string) => inner.get(key)) as Store['get'],
      set: (key, value, ttl) => inner.set(key, value, ttl),
      add: (key, value, ttl) => inner.add(key, value, ttl),
      delete: (key) => inner.delete(key),
      deleteIf: async (key, value) => {
        if (left-- > 0) throw new Error('ECONNRESET')
        return inner.deleteIf(key, value)
      },
    }
    return store
  }

  it('is released again in the background, so the payment pays within seconds, not after the lock TTL', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { app, facilitator, usdcBalance, events } = setup({ store: blippingRelease(2) })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    facilitator.fail('verify', { type: 'throw' })
    expect((await app(paidRequest(`${ORIGIN}/premium`, token))).status).toBe(502)
    facilitator.heal()
    // The first release and its first retry failed: the payment is still held.
    await vi.advanceTimersByTimeAsync(300)
    const held = await app(paidRequest(`${ORIGIN}/premium`, token))
    expect(held.status).toBe(402)
    expect((await readPaymentRequired(held)).v2?.error).toBe('payment_in_use')
    // The second retry (1 s later) gets through.
    await vi.advanceTimersByTimeAsync(1_000)
    const paid = await app(paidRequest(`${ORIGIN}/premium`, token))
    expect(paid.status).toBe(200)
    expect(usdcBalance()).toBe(990_000n)
    expect(events.filter((event) => event.type === 'store.error')).toEqual([])
  })

  it('says so with a store.error event when every try failed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { app, facilitator, events } = setup({ store: blippingRelease(100) })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    facilitator.fail('verify', { type: 'throw' })
    expect((await app(paidRequest(`${ORIGIN}/premium`, token))).status).toBe(502)
    await vi.advanceTimersByTimeAsync(10_000)
    const errors = events.filter((event) => event.type === 'store.error')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ reason: 'lock_release_failed', tokenHash: expect.stringMatching(/^[0-9a-f]{64}$/) })
  })
})
