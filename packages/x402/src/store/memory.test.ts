import { describe, it, expect } from 'vitest'
import { memoryStore } from './memory.js'
import { isTollgateError } from '../errors.js'

function clock(start = 1_000_000) {
  let time = start
  return {
    now: () => time,
    advance(ms: number) {
      time += ms
    },
  }
}

describe('memoryStore: get and set', () => {
  it('returns what was stored, and undefined for an unknown key', async () => {
    const store = memoryStore()
    await store.set('a', { payer: '0xabc' }, 1000)
    expect(await store.get('a')).toEqual({ payer: '0xabc' })
    expect(await store.get('missing')).toBeUndefined()
  })

  it('overwrites an existing key and gives it the new TTL', async () => {
    const time = clock()
    const store = memoryStore({ now: time.now })
    await store.set('a', 1, 100)
    await store.set('a', 2, 1000)
    time.advance(500)
    expect(await store.get('a')).toBe(2)
  })
})

describe('memoryStore: TTL', () => {
  it('keeps an entry until its TTL has passed, then forgets it', async () => {
    const time = clock()
    const store = memoryStore({ now: time.now })
    await store.set('a', 'value', 1000)
    time.advance(999)
    expect(await store.get('a')).toBe('value')
    time.advance(1)
    expect(await store.get('a')).toBeUndefined()
  })

  it('drops expired entries when writing, even if they are never read again', async () => {
    const time = clock()
    const store = memoryStore({ now: time.now })
    for (let i = 0; i < 10; i++) await store.set(`old${i}`, i, 100)
    time.advance(100)
    for (let i = 0; i < 10; i++) await store.set(`new${i}`, i, 100)
    expect(store.size).toBe(10)
  })

  it('lets add succeed again once the previous entry expired', async () => {
    const time = clock()
    const store = memoryStore({ now: time.now })
    expect(await store.add('lock', 1, 50)).toBe(true)
    time.advance(50)
    expect(await store.add('lock', 2, 50)).toBe(true)
    expect(await store.get('lock')).toBe(2)
  })

  it('treats an Infinity TTL as "until evicted"', async () => {
    const time = clock()
    const store = memoryStore({ now: time.now })
    await store.set('a', 1, Infinity)
    time.advance(1e12)
    expect(await store.get('a')).toBe(1)
  })

  it('rejects a TTL that is zero, negative or not a number', async () => {
    const store = memoryStore()
    for (const ttl of [0, -1, Number.NaN]) {
      const error = await store.set('a', 1, ttl).catch((e: unknown) => e)
      expect(isTollgateError(error) && error.code).toBe('invalid_options')
      expect(() => store.addSync('a', 1, ttl)).toThrow(/ttlMs must be a positive number/)
    }
    expect(await store.get('a')).toBeUndefined()
  })
})

describe('memoryStore: bound', () => {
  it('never holds more than maxEntries, with 100 000 distinct keys and maxEntries 1000', async () => {
    const store = memoryStore({ maxEntries: 1000 })
    for (let i = 0; i < 100_000; i++) {
      await store.set(`key${i}`, i, 60_000)
      if (store.size > 1000) throw new Error(`size ${store.size} after ${i + 1} writes`)
    }
    expect(store.size).toBe(1000)
    // The newest entries survive; the oldest were evicted.
    expect(await store.get('key99999')).toBe(99_999)
    expect(await store.get('key99000')).toBe(99_000)
    expect(await store.get('key98999')).toBeUndefined()
    expect(await store.get('key0')).toBeUndefined()
  })

  it('evicts the least recently used entry: a read keeps an entry alive', async () => {
    const store = memoryStore({ maxEntries: 3 })
    await store.set('a', 1, 60_000)
    await store.set('b', 2, 60_000)
    await store.set('c', 3, 60_000)
    await store.get('a')
    await store.set('d', 4, 60_000)
    expect(await store.get('b')).toBeUndefined()
    expect(await store.get('a')).toBe(1)
    expect(await store.get('c')).toBe(3)
    expect(await store.get('d')).toBe(4)
  })

  it('keeps the exact order when the same entry is read again and again, and after the newest one is deleted', async () => {
    const store = memoryStore({ maxEntries: 3 })
    await store.set('a', 1, 60_000)
    await store.set('b', 2, 60_000)
    await store.get('b')
    await store.get('b')
    await store.get('a') // a is now the most recently used, b the least
    await store.set('c', 3, 60_000)
    await store.delete('c')
    await store.get('a')
    await store.set('d', 4, 60_000)
    await store.set('e', 5, 60_000)
    expect(await store.get('b')).toBeUndefined()
    expect([await store.get('a'), await store.get('d'), await store.get('e')]).toEqual([1, 4, 5])
  })

  it('rejects a maxEntries that is not a positive integer', () => {
    for (const maxEntries of [0, -5, 1.5, Number.NaN]) {
      expect(() => memoryStore({ maxEntries })).toThrow(/maxEntries must be a positive integer/)
    }
  })
})

describe('memoryStore: add', () => {
  it('stores only when the key is absent, and says whether it did', async () => {
    const store = memoryStore()
    expect(await store.add('payment:1', 'first', 1000)).toBe(true)
    expect(await store.add('payment:1', 'second', 1000)).toBe(false)
    expect(await store.get('payment:1')).toBe('first')
  })

  it('lets exactly one of many concurrent callers win', async () => {
    const store = memoryStore()
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.add('lock', i, 1000)))
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await store.get('lock')).toBe(results.indexOf(true))
  })

  it('does not overwrite a key written by set', async () => {
    const store = memoryStore()
    await store.set('a', 'set', 1000)
    expect(await store.add('a', 'add', 1000)).toBe(false)
    expect(await store.get('a')).toBe('set')
  })
})

describe('memoryStore: delete and clear', () => {
  it('forgets a deleted key, so add can take it again', async () => {
    const store = memoryStore()
    await store.add('lock', 1, 1000)
    await store.delete('lock')
    expect(await store.get('lock')).toBeUndefined()
    expect(await store.add('lock', 2, 1000)).toBe(true)
  })

  it('accepts deleting a key that does not exist', async () => {
    const store = memoryStore()
    await expect(store.delete('nothing')).resolves.toBeUndefined()
  })

  it('clear empties the store', async () => {
    const store = memoryStore()
    await store.set('a', 1, 1000)
    await store.set('b', 2, 1000)
    store.clear()
    expect(store.size).toBe(0)
    expect(await store.get('a')).toBeUndefined()
  })
})

describe('memoryStore: sync twins', () => {
  it('share state with the async methods', async () => {
    const store = memoryStore()
    store.setSync('a', 1, 1000)
    expect(await store.get('a')).toBe(1)
    await store.set('b', 2, 1000)
    expect(store.getSync('b')).toBe(2)
    expect(store.addSync('b', 3, 1000)).toBe(false)
    store.deleteSync('b')
    expect(store.getSync('b')).toBeUndefined()
  })
})

describe('deleteIf', () => {
  it('removes a key only while it holds the given value', async () => {
    const store = memoryStore()
    await store.set('lock', 'mine', 1000)
    await store.deleteIf('lock', 'theirs')
    expect(await store.get('lock')).toBe('mine')
    await store.deleteIf('lock', 'mine')
    expect(await store.get('lock')).toBeUndefined()
  })
})
