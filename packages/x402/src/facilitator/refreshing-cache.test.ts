import { describe, expect, it, vi } from 'vitest'
import { createRefreshingCache } from './refreshing-cache.js'

/** A load whose calls resolve or reject when the test says so, on a clock the test moves. */
function harness(ttlMs = 1000, retryMs = 100) {
  let clock = 0
  const pending: { resolve: (value: string) => void; reject: (error: Error) => void }[] = []
  const load = vi.fn(() => new Promise<string>((resolve, reject) => pending.push({ resolve, reject })))
  const cache = createRefreshingCache(load, { ttlMs, retryMs, now: () => clock })
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0))
  const settle = async (outcome: string | Error) => {
    await tick() // loads start in a microtask
    const call = pending.shift()
    if (!call) throw new Error('no load in flight')
    if (outcome instanceof Error) call.reject(outcome)
    else call.resolve(outcome)
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  return { cache, load, settle, advance: (ms: number) => (clock += ms) }
}

describe('createRefreshingCache', () => {
  it('shares one load between concurrent first callers', async () => {
    const { cache, load, settle } = harness()
    const callers = Array.from({ length: 20 }, () => cache.get())
    await settle('v1')
    expect(await Promise.all(callers)).toEqual(Array(20).fill('v1'))
    expect(load).toHaveBeenCalledOnce()
  })

  it('serves a fresh value without loading, and a stale one at once while a single refresh runs', async () => {
    const { cache, load, settle, advance } = harness(1000)
    const first = cache.get()
    await settle('v1')
    await first
    advance(999)
    expect(await cache.get()).toBe('v1')
    expect(load).toHaveBeenCalledTimes(1)
    advance(1)
    expect(await cache.get()).toBe('v1')
    expect(await cache.get()).toBe('v1')
    expect(load).toHaveBeenCalledTimes(2)
    await settle('v2')
    expect(await cache.get()).toBe('v2')
  })

  it('keeps the stale value after a failed refresh and retries after retryMs', async () => {
    const { cache, load, settle, advance } = harness(1000, 100)
    const first = cache.get()
    await settle('v1')
    await first
    advance(1000)
    expect(await cache.get()).toBe('v1')
    await settle(new Error('down'))
    advance(99)
    expect(await cache.get()).toBe('v1')
    expect(load).toHaveBeenCalledTimes(2)
    advance(1)
    expect(await cache.get()).toBe('v1')
    expect(load).toHaveBeenCalledTimes(3)
    await settle('v2')
    expect(await cache.get()).toBe('v2')
  })

  it('rejects the callers of a failed first load, and the next call loads again', async () => {
    const { cache, load, settle } = harness()
    const first = cache.get()
    await settle(new Error('down'))
    await expect(first).rejects.toThrow('down')
    const second = cache.get()
    await settle('v1')
    expect(await second).toBe('v1')
    expect(load).toHaveBeenCalledTimes(2)
  })

  it('survives a load that throws synchronously', async () => {
    let fail = true
    const cache = createRefreshingCache(
      () => {
        if (fail) throw new Error('sync')
        return Promise.resolve('ok')
      },
      { ttlMs: 1000, retryMs: 0 },
    )
    await expect(cache.get()).rejects.toThrow('sync')
    fail = false
    expect(await cache.get()).toBe('ok')
  })

  it('lets a caller stop waiting with its signal, without stopping the load for others', async () => {
    const { cache, settle } = harness()
    const controller = new AbortController()
    const impatient = cache.get(controller.signal)
    const patient = cache.get()
    controller.abort(new Error('gave up'))
    await expect(impatient).rejects.toThrow('gave up')
    await settle('v1')
    expect(await patient).toBe('v1')
  })
})
