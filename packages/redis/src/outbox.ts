// The settlement outbox on a Redis stream: entries survive a restart of the process, and every instance's worker
// reads the same stream through one consumer group, so each entry is leased to one worker at a time.
//   add         XADD to the stream.
//   claim       one script: move due retries from the sorted set back to the stream; XAUTOCLAIM entries whose
//               lease (idle time in the group's pending list) ran out; XREADGROUP entries never handed out.
//   reschedule  XACK + XDEL + ZADD to the sorted set "<key>:delayed", scored by the new dueAt.
//   remove      XACK + XDEL.
import { TollgateError, type Outbox, type OutboxEntry } from '@tollgate/x402'
import { openConnection, text, type ConnectionOptions } from './connection.js'
import { claimScript, removeScript, rescheduleScript } from './outbox-scripts.js'

export interface RedisOutboxOptions extends ConnectionOptions {
  /** The stream's key; the retries wait in `<key>:delayed`. Default `'tollgate:outbox'`. */
  key?: string
  /** The consumer group shared by every instance. Default `'tollgate'`. */
  group?: string
  /** This instance's name in the group. Default: a random one per redisOutbox() call. */
  consumer?: string
}

export interface RedisOutbox extends Outbox {
  readonly key: string
  readonly consumer: string
  /** Entries held, due or waiting for a retry, leased or not. */
  count(): Promise<number>
  /** Closes the connection opened from `url`; a client you passed is left open. */
  close(): Promise<void>
}

export const DEFAULT_OUTBOX_KEY = 'tollgate:outbox'
export const DEFAULT_GROUP = 'tollgate'

type StoredEntry = Omit<OutboxEntry, 'id' | 'attempts' | 'dueAt'>

export function redisOutbox(options: RedisOutboxOptions): RedisOutbox {
  const connection = openConnection(options, 'redisOutbox')
  const key = name(options.key, 'key', DEFAULT_OUTBOX_KEY)
  const group = name(options.group, 'group', DEFAULT_GROUP)
  const consumer = name(options.consumer, 'consumer', `tollgate-${crypto.randomUUID()}`)
  const delayed = `${key}:delayed`

  return {
    key,
    consumer,
    async add(entry) {
      const { attempts, dueAt, ...rest } = entry
      const stored: StoredEntry = rest
      const id = await connection.send(['XADD', key, '*', 'entry', JSON.stringify(stored), 'attempts', String(attempts), 'dueAt', String(dueAt)])
      return text(id) ?? ''
    },
    async claim({ now, max, leaseMs }) {
      if (max <= 0) return []
      const lease = String(Math.max(1, Math.ceil(leaseMs)))
      const reply = await claimScript(connection, [key, delayed], [group, consumer, now, Math.floor(max), lease])
      const flat = Array.isArray(reply) ? reply.map(text) : []
      const claimed: OutboxEntry[] = []
      for (let i = 0; i + 3 < flat.length; i += 4) {
        const id = flat[i]!
        const stored = parse(flat[i + 3])
        if (!stored) {
          await removeScript(connection, [key], [group, id])
          continue
        }
        claimed.push({ ...stored, id, attempts: Number(flat[i + 1]), dueAt: Number(flat[i + 2]) })
      }
      return claimed
    },
    async reschedule(id, { attempts, dueAt }) {
      await rescheduleScript(connection, [key, delayed], [group, consumer, id, attempts, dueAt])
    },
    async remove(id) {
      await removeScript(connection, [key], [group, id])
    },
    async count() {
      const [ready, waiting] = await Promise.all([connection.send(['XLEN', key]), connection.send(['ZCARD', delayed])])
      return Number(ready) + Number(waiting)
    },
    close: () => connection.close(),
  }
}

function parse(json: string | undefined): StoredEntry | undefined {
  try {
    const value = JSON.parse(json ?? '') as unknown
    return typeof value === 'object' && value !== null ? (value as StoredEntry) : undefined
  } catch {
    return undefined
  }
}

function name(value: string | undefined, path: string, fallback: string): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value.length === 0) {
    throw new TollgateError('invalid_options', `redisOutbox: option "${path}" is invalid; expected a non-empty string.`, {
      path,
      expected: 'a non-empty string',
    })
  }
  return value
}
