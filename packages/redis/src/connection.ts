// The Redis connection behind a store or an outbox: a node-redis client the user owns, or one we open from a URL
// (and close). Commands go through `sendCommand` with a timeout, so that a Redis outage fails a request quickly
// instead of leaving it queued until Redis comes back.
import { TollgateError } from '@tollgate/x402'
import { createClient } from 'redis'

/**
 * What we need from a node-redis (v6) client: raw commands with a per-command timeout. `createClient()` from
 * `redis` fits; a cluster client and ioredis do not.
 */
export interface RedisClientLike {
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>
  readonly isOpen: boolean
}

export interface ConnectionOptions {
  /** A node-redis client (`createClient()` from `redis`), connected by you. You close it; `close()` leaves it open. */
  client?: RedisClientLike
  /** Or a URL such as `redis://127.0.0.1:6379`: we open the connection and `close()` closes it. */
  url?: string
  /** Longest wait for one Redis command, in ms, queueing included. Default 2 000. */
  commandTimeoutMs?: number
  /** Errors of a connection opened from `url` (node-redis reports each failed reconnect). Default: ignored. */
  onError?: (error: unknown) => void
}

export interface Connection {
  send(args: string[]): Promise<unknown>
  close(): Promise<void>
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000

export function openConnection(options: ConnectionOptions | undefined, who: string): Connection {
  if (!options || typeof options !== 'object') invalid(who, 'options', '{ client } or { url }')
  const { client, url } = options
  if ((client === undefined) === (url === undefined)) invalid(who, 'client', 'exactly one of client (a node-redis client) or url')
  const timeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) invalid(who, 'commandTimeoutMs', 'a positive number of milliseconds')
  if (options.onError !== undefined && typeof options.onError !== 'function') invalid(who, 'onError', 'a function (error) => void')

  if (client !== undefined) {
    const candidate = client as unknown as Record<string, unknown> | null
    if (typeof candidate !== 'object' || candidate === null || typeof candidate.sendCommand !== 'function' || !('isOpen' in candidate) || 'masters' in candidate) {
      invalid(who, 'client', "a node-redis client from createClient() in 'redis' (not a cluster client, not ioredis)")
    }
    return {
      send: (args) => client.sendCommand(args, { timeout }) as Promise<unknown>,
      // The user's client: theirs to close.
      close: async () => {},
    }
  }

  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) invalid(who, 'url', 'a redis:// or rediss:// URL')
  const owned = createClient({ url })
  const onError = options.onError ?? (() => {})
  // Without a listener node-redis would crash the process on the first connection error.
  owned.on('error', onError)
  let connected = false
  const connecting = owned.connect().then(
    () => {
      connected = true
    },
    onError,
  )
  let closed = false
  return {
    // Commands sent while connecting wait in node-redis's queue, within the same timeout.
    send: (args) => owned.sendCommand(args, { timeout }) as Promise<unknown>,
    async close() {
      if (closed) return
      closed = true
      // Still trying to reach a Redis that is not there: node-redis would retry forever, so stop it outright.
      if (!connected) {
        owned.destroy()
        await connecting
        return
      }
      if (owned.isOpen) await owned.close().catch(() => owned.destroy())
    },
  }
}

function invalid(who: string, path: string, expected: string): never {
  throw new TollgateError('invalid_options', `${who}: option "${path}" is invalid; expected ${expected}.`, { path, expected })
}

/** Runs a Lua script by its SHA-1, loading it the first time a server has not seen it (NOSCRIPT). */
export function luaScript(source: string): (connection: Connection, keys: string[], args: (string | number)[]) => Promise<unknown> {
  let sha: Promise<string> | undefined
  return async (connection, keys, args) => {
    sha ??= sha1Hex(source)
    const tail = [String(keys.length), ...keys, ...args.map(String)]
    try {
      return await connection.send(['EVALSHA', await sha, ...tail])
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error
      return connection.send(['EVAL', source, ...tail])
    }
  }
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** A bulk string reply as text: node-redis gives strings, or Buffers under a custom type mapping. */
export function text(reply: unknown): string | undefined {
  if (reply === null || reply === undefined) return undefined
  if (typeof reply === 'string') return reply
  if (reply instanceof Uint8Array) return new TextDecoder().decode(reply)
  return String(reply)
}
