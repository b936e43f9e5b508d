// redisStore against a real redis-server: JSON values, TTLs, an add that is atomic across clients, and options.
import { isTollgateError } from '@tollgate/x402'
import { afterAll, describe, expect, it } from 'vitest'
import { redisStore, type RedisStore } from './index.js'
import { connect, startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let server: RedisServer
let client: Awaited<ReturnType<typeof connect>>
let other: Awaited<ReturnType<typeof connect>>
let store: RedisStore

setupOnce(async () => {
  server = await startRedisServer()
  client = await connect(server)
  other = await connect(server)
  store = redisStore({ client })
})

afterAll(async () => {
  client?.destroy()
  other?.destroy()
  await server?.stop()
})

describe('redisStore: values', () => {
  it('returns what was stored as JSON, and undefined for an unknown key', async () => {
    await store.set('values:a', { payer: '0xabc', amount: '10000', ok: true }, 1000)
    expect(await store.get('values:a')).toEqual({ payer: '0xabc', amount: '10000', ok: true })
    expect(await store.get('values:missing')).toBeUndefined()
  })

  it('writes under the prefix, "tollgate:" by default', async () => {
    await store.set('values:b', 1, 1000)
    expect(await client.get('tollgate:values:b')).toBe('1')
    const mine = redisStore({ client, prefix: 'app1:' })
    await mine.set('values:b', 2, 1000)
    expect(await client.get('app1:values:b')).toBe('2')
    expect(await store.get('values:b')).toBe(1)
  })

  it('overwrites a key and gives it the new TTL', async () => {
    await store.set('values:c', 1, 50)
    await store.set('values:c', 2, 10_000)
    await wait(80)
    expect(await store.get('values:c')).toBe(2)
  })
})

describe('redisStore: TTL', () => {
  it('forgets an entry once its TTL has passed', async () => {
    await store.set('ttl:a', 'value', 250)
    expect(await store.get('ttl:a')).toBe('value')
    await wait(300)
    expect(await store.get('ttl:a')).toBeUndefined()
  })

  it('sets the TTL in Redis in whole milliseconds, and keeps an Infinity TTL without expiry', async () => {
    await store.set('ttl:b', 1, 5_000.4)
    const ttl = await client.pTTL('tollgate:ttl:b')
    expect(ttl).toBeGreaterThan(4_000)
    expect(ttl).toBeLessThanOrEqual(5_001)
    await store.set('ttl:c', 1, Infinity)
    expect(await client.pTTL('tollgate:ttl:c')).toBe(-1)
  })

  it('lets add succeed again once the previous entry expired', async () => {
    expect(await store.add('ttl:lock', 1, 250)).toBe(true)
    expect(await store.add('ttl:lock', 2, 250)).toBe(false)
    await wait(300)
    expect(await store.add('ttl:lock', 3, 250)).toBe(true)
    expect(await store.get('ttl:lock')).toBe(3)
  })

  it('rejects a TTL that is zero, negative or not a number, and a value that is not JSON', async () => {
    for (const ttl of [0, -1, Number.NaN]) {
      const error = await store.set('ttl:bad', 1, ttl).catch((e: unknown) => e)
      expect(isTollgateError(error) && error.code).toBe('invalid_options')
    }
    const error = await store.set('ttl:bad', undefined, 1000).catch((e: unknown) => e)
    expect(isTollgateError(error) && error.code).toBe('invalid_options')
    expect(await store.get('ttl:bad')).toBeUndefined()
  })
})

describe('redisStore: add', () => {
  it('stores only when the key is absent, and says whether it did', async () => {
    expect(await store.add('add:1', 'first', 1000)).toBe(true)
    expect(await store.add('add:1', 'second', 1000)).toBe(false)
    expect(await store.get('add:1')).toBe('first')
  })

  it('lets exactly one of 50 concurrent adds from two clients win', async () => {
    const stores = [store, redisStore({ client: other })]
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % 2]!.add('add:race', i, 10_000)))
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await store.get('add:race')).toBe(results.indexOf(true))
  })

  it('does not overwrite a key written by set, and can take a deleted key', async () => {
    await store.set('add:set', 'set', 1000)
    expect(await store.add('add:set', 'add', 1000)).toBe(false)
    await store.delete('add:set')
    expect(await store.get('add:set')).toBeUndefined()
    expect(await store.add('add:set', 'again', 1000)).toBe(true)
    await expect(store.delete('add:nothing')).resolves.toBeUndefined()
  })
})

describe('redisStore: deleteIf', () => {
  it('removes a key only while it holds the given value, atomically on the server', async () => {
    await store.set('lock:a', 'holder-1', 1000)
    await store.deleteIf('lock:a', 'holder-2')
    expect(await store.get('lock:a')).toBe('holder-1')
    await store.deleteIf('lock:a', 'holder-1')
    expect(await store.get('lock:a')).toBeUndefined()
    await store.deleteIf('lock:missing', 'anyone') // nothing there: nothing happens
  })
})

describe('redisStore: sets', () => {
  it('adds, lists and removes members under the prefix, shared by two clients, and empties to nothing', async () => {
    const second = redisStore({ client: other })
    await store.addMember('sets:a', '0xaa')
    await second.addMember('sets:a', '0xbb')
    await store.addMember('sets:a', '0xaa')
    expect((await second.members('sets:a')).sort()).toEqual(['0xaa', '0xbb'])
    expect(await client.sMembers('tollgate:sets:a')).toHaveLength(2)
    await second.removeMember('sets:a', '0xaa')
    await store.removeMember('sets:a', '0xbb')
    expect(await store.members('sets:a')).toEqual([])
    expect(await client.exists('tollgate:sets:a')).toBe(0)
  })
})

describe('redisStore: setIfHeld', () => {
  it('writes the value and frees the lock only while the lock holds the holder, in one step', async () => {
    await store.set('commit:lock', 'holder-b', 10_000)
    await store.set('commit:value', { count: 1 }, 10_000)
    expect(await store.setIfHeld('commit:lock', 'holder-a', 'commit:value', { count: 2 }, 5_000)).toBe(false)
    expect(await store.get('commit:value')).toEqual({ count: 1 })
    expect(await store.get('commit:lock')).toBe('holder-b')
    expect(await store.setIfHeld('commit:lock', 'holder-b', 'commit:value', { count: 3 }, 5_000)).toBe(true)
    expect(await store.get('commit:value')).toEqual({ count: 3 })
    expect(await store.get('commit:lock')).toBeUndefined()
    expect(await client.pTTL('tollgate:commit:value')).toBeGreaterThan(4_000)
    expect(await store.setIfHeld('commit:lock', 'holder-b', 'commit:value', { count: 4 }, 5_000)).toBe(false)
  })
})

describe('redisStore: connection', () => {
  it('opens its own connection from a url, and close() closes it', async () => {
    const own = redisStore({ url: server.url })
    await own.set('url:a', { from: 'url' }, 1000)
    expect(await store.get('url:a')).toEqual({ from: 'url' })
    await own.close()
    await expect(own.get('url:a')).rejects.toThrow()
  })

  it('closes at once when its url never connected (no Redis there)', async () => {
    const { freePort } = await import('@tollgate/x402/anvil')
    const nowhere = redisStore({ url: `redis://127.0.0.1:${await freePort()}` })
    const started = Date.now()
    await nowhere.close()
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('leaves a client it was given open on close()', async () => {
    const borrowed = redisStore({ client })
    await borrowed.close()
    expect(client.isOpen).toBe(true)
    expect(await borrowed.add('conn:open', 1, 1000)).toBe(true)
  })

  it('validates its options at construction', () => {
    const bad: unknown[] = [
      undefined,
      {},
      { client, url: server.url },
      { client: {} },
      { client: { sendCommand() {}, isOpen: true, masters: [] } },
      { url: 'http://127.0.0.1:6379' },
      { client, prefix: 5 },
      { client, commandTimeoutMs: 0 },
    ]
    for (const options of bad) {
      let caught: unknown
      try {
        redisStore(options as never)
      } catch (error) {
        caught = error
      }
      expect(isTollgateError(caught) && caught.code, JSON.stringify(options === undefined ? 'undefined' : Object.keys(options as object))).toBe('invalid_options')
    }
  })
})
