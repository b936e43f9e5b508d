// The core's Store on Redis, so that every instance sees the same verification cache, locks on single-use
// payments, consumed payments and kept responses. Values are JSON; `add` is one SET NX PX, atomic across instances.
import { TollgateError, type Store } from '@tollgate/x402'
import { luaScript, openConnection, text, type ConnectionOptions } from './connection.js'

// Compare and delete in one step on the server: a lock is released only by the request that holds it.
const deleteIfEqual = luaScript("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0")
// A commit under a lock in one step: the value is written, and the lock freed, only while the lock is still ours.
const setIfHeld = luaScript(
  "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end if ARGV[3] == '' then redis.call('SET', KEYS[2], ARGV[2]) else redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end redis.call('DEL', KEYS[1]) return 1",
)

export interface RedisStoreOptions extends ConnectionOptions {
  /** Put before every key, so that several apps can share one Redis. Default `'tollgate:'`. */
  prefix?: string
}

export interface RedisStore extends Store {
  /** The prefix in use. */
  readonly prefix: string
  /** Removes `key` only while it holds `value`: one Lua script, so it is atomic across instances. */
  deleteIf(key: string, value: unknown): Promise<void>
  /** Writes `key` and frees `lockKey` only while it holds `holder`: one Lua script, atomic across instances. */
  setIfHeld(lockKey: string, holder: unknown, key: string, value: unknown, ttlMs: number): Promise<boolean>
  addMember(key: string, member: string): Promise<void>
  removeMember(key: string, member: string): Promise<void>
  members(key: string): Promise<string[]>
  /** Closes the connection opened from `url`; a client you passed is left open. */
  close(): Promise<void>
}

export const DEFAULT_PREFIX = 'tollgate:'

export function redisStore(options: RedisStoreOptions): RedisStore {
  const connection = openConnection(options, 'redisStore')
  const prefix = options.prefix ?? DEFAULT_PREFIX
  if (typeof prefix !== 'string') {
    throw new TollgateError('invalid_options', 'redisStore: option "prefix" is invalid; expected a string such as "tollgate:".', {
      path: 'prefix',
      expected: 'a string',
    })
  }

  return {
    prefix,
    async get<T = unknown>(key: string): Promise<T | undefined> {
      const stored = text(await connection.send(['GET', prefix + key]))
      return stored === undefined ? undefined : (JSON.parse(stored) as T)
    },
    async set(key, value, ttlMs) {
      await connection.send(['SET', prefix + key, encode(value), ...expiry(ttlMs)])
    },
    async add(key, value, ttlMs) {
      // 'OK' when this call stored it, null when the key already existed.
      return (await connection.send(['SET', prefix + key, encode(value), 'NX', ...expiry(ttlMs)])) !== null
    },
    async delete(key) {
      await connection.send(['DEL', prefix + key])
    },
    async deleteIf(key, value) {
      await deleteIfEqual(connection, [prefix + key], [encode(value)])
    },
    async setIfHeld(lockKey, holder, key, value, ttlMs) {
      const px = expiry(ttlMs)
      return Number(await setIfHeld(connection, [prefix + lockKey, prefix + key], [encode(holder), encode(value), px[1] ?? ''])) === 1
    },
    // Sets (batch-settlement's claim index): one command each, atomic across instances; kept until emptied.
    async addMember(key, member) {
      await connection.send(['SADD', prefix + key, member])
    },
    async removeMember(key, member) {
      await connection.send(['SREM', prefix + key, member])
    },
    async members(key) {
      const found = await connection.send(['SMEMBERS', prefix + key])
      return Array.isArray(found) ? found.map((member) => text(member)!) : []
    },
    close: () => connection.close(),
  }
}

function encode(value: unknown): string {
  const json = JSON.stringify(value)
  if (json === undefined) {
    throw new TollgateError('invalid_options', 'redisStore: a value must be JSON (not undefined, a function or a symbol).', {
      path: 'value',
      expected: 'a JSON value',
    })
  }
  return json
}

/** PX in whole milliseconds; Infinity keeps the key until it is deleted (or evicted by Redis's maxmemory policy). */
function expiry(ttlMs: number): string[] {
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs) || ttlMs <= 0) {
    throw new TollgateError('invalid_options', `redisStore: ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}.`, {
      path: 'ttlMs',
      expected: 'a number > 0',
    })
  }
  return ttlMs === Infinity ? [] : ['PX', String(Math.ceil(ttlMs))]
}
