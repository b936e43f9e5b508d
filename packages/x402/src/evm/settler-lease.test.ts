// The settler key's lease among server instances that share a Store: one holds it, another is refused until the
// holder's lease runs out.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { isTollgateError } from '../errors.js'
import { memoryStore } from '../store/memory.js'
import { localFacilitator } from './facilitator.js'
import { settlerLease } from './settler-lease.js'

const SETTLER = '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc'
const chainId = () => Promise.resolve(84532)

afterEach(() => {
  vi.useRealTimers()
})

describe('settlerLease', () => {
  it('lets one instance hold the key and refuses another, naming the key, until the holder is gone', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    const store = memoryStore()
    const first = settlerLease(store, chainId, SETTLER, 30_000)
    const second = settlerLease(store, chainId, SETTLER, 30_000)
    expect(await first.hold()).toBe('acquired')
    expect(await first.hold()).toBe('held')
    const refused = await second.hold().catch((error: unknown) => error)
    expect(isTollgateError(refused) && refused.code).toBe('facilitator_error')
    expect(isTollgateError(refused) && refused.status).toBe(502)
    expect(String((refused as Error).message)).toContain(SETTLER)
    expect(isTollgateError(refused) && refused.details.reason).toBe('settler_in_use')
    // The holder renews while it lives, busy or idle.
    await vi.advanceTimersByTimeAsync(90_000)
    await expect(second.hold()).rejects.toThrow('in use by another instance')
  })

  it('is taken by the next instance when the holder stopped renewing it', async () => {
    const store = memoryStore()
    await store.set(`tollgate:settler:84532:${SETTLER.toLowerCase()}`, 'a crashed instance', 50)
    const next = settlerLease(store, chainId, SETTLER)
    await expect(next.hold()).rejects.toThrow('a crashed instance')
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(await next.hold()).toBe('acquired')
  })

  it('is per chain and per key: another key on the same Store is not refused', async () => {
    const store = memoryStore()
    expect(await settlerLease(store, chainId, SETTLER).hold()).toBe('acquired')
    expect(await settlerLease(store, chainId, '0x976EA74026E726554dB657fA54763abd0C3a0aa9').hold()).toBe('acquired')
    expect(await settlerLease(store, () => Promise.resolve(1), SETTLER).hold()).toBe('acquired')
  })
})

describe('localFacilitator({ settlerLease })', () => {
  it('takes a Store and refuses anything else when made', () => {
    const key = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba'
    expect(() => localFacilitator({ rpcUrl: 'http://127.0.0.1:8545', settler: key, settlerLease: memoryStore() })).not.toThrow()
    let error: unknown
    try {
      localFacilitator({ rpcUrl: 'http://127.0.0.1:8545', settler: key, settlerLease: {} as never })
    } catch (e) {
      error = e
    }
    expect(isTollgateError(error) && error.code).toBe('invalid_options')
    expect(isTollgateError(error) && error.details.path).toBe('localFacilitator.settlerLease')
  })
})
