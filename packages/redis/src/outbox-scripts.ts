// The outbox's Lua scripts. Each runs atomically in Redis, so two instances never interleave inside one.
// A stream entry has the fields `entry` (the JSON that never changes), `attempts` and `dueAt`. An entry waiting
// for a retry lives in the sorted set instead, scored by dueAt, as the member "attempts:dueAt:entry".
import { luaScript } from './connection.js'

const PARSE_MEMBER = `
local function split_member(member)
  return string.match(member, '^([^:]*):([^:]*):(.*)$')
end
`

/**
 * KEYS: stream, delayed. ARGV: group, consumer, now, max, leaseMs.
 * Replies a flat array: id, attempts, dueAt, entry, id, attempts, ...
 */
export const claimScript = luaScript(`${PARSE_MEMBER}
local stream, delayed = KEYS[1], KEYS[2]
local group, consumer = ARGV[1], ARGV[2]
local now, max, lease = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]

-- The group is made on first use, from the stream's start, so that entries added before it are not missed.
redis.pcall('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')

-- Retries whose time has come go back into the stream as new entries.
local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, max)
for _, member in ipairs(due) do
  local attempts, due_at, entry = split_member(member)
  if entry then
    redis.call('XADD', stream, '*', 'entry', entry, 'attempts', attempts, 'dueAt', due_at)
  end
  redis.call('ZREM', delayed, member)
end

local out = {}
local function left() return max - math.floor(#out / 4) end
local function take(message)
  if type(message) ~= 'table' or type(message[2]) ~= 'table' then return end
  local id, fields = message[1], {}
  for i = 1, #message[2], 2 do fields[message[2][i]] = message[2][i + 1] end
  local due_at = tonumber(fields.dueAt)
  if not fields.entry or not due_at or not tonumber(fields.attempts) then
    -- Not ours to read: drop it rather than hand it out forever.
    redis.call('XACK', stream, group, id)
    redis.call('XDEL', stream, id)
    return
  end
  if due_at > now then
    -- Not due by this caller's clock (clocks differ between hosts): park it until it is.
    redis.call('XACK', stream, group, id)
    redis.call('XDEL', stream, id)
    redis.call('ZADD', delayed, due_at, fields.attempts .. ':' .. fields.dueAt .. ':' .. fields.entry)
    return
  end
  out[#out + 1] = id
  out[#out + 1] = fields.attempts
  out[#out + 1] = fields.dueAt
  out[#out + 1] = fields.entry
end

-- First, entries whose lease ran out: their consumer died or stalled; this consumer takes them over.
local cursor = '0-0'
for _ = 1, 100 do
  if left() <= 0 then break end
  local reply = redis.call('XAUTOCLAIM', stream, group, consumer, lease, cursor, 'COUNT', left())
  for _, message in ipairs(reply[2]) do take(message) end
  cursor = reply[1]
  if cursor == '0-0' then break end
end

-- Then entries never handed out. Reading them puts them in this consumer's pending list: the lease.
if left() > 0 then
  local reply = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', left(), 'STREAMS', stream, '>')
  if reply then
    for _, message in ipairs(reply[1][2]) do take(message) end
  end
end
return out
`)

/**
 * KEYS: stream, delayed. ARGV: group, consumer, id, attempts, dueAt.
 * Moves a leased entry to the sorted set with its new attempts and dueAt. Does nothing when the lease has passed
 * to another consumer (that one now decides), or when the entry is gone. Replies 1 when it moved the entry.
 */
export const rescheduleScript = luaScript(`
local stream, delayed = KEYS[1], KEYS[2]
local group, consumer, id, attempts, due_at = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local pending = redis.call('XPENDING', stream, group, id, id, 1)
if #pending == 0 or pending[1][2] ~= consumer then return 0 end
local found = redis.call('XRANGE', stream, id, id)
redis.call('XACK', stream, group, id)
if #found == 0 then return 0 end
local fields = {}
for i = 1, #found[1][2], 2 do fields[found[1][2][i]] = found[1][2][i + 1] end
redis.call('XDEL', stream, id)
redis.call('ZADD', delayed, due_at, attempts .. ':' .. due_at .. ':' .. fields.entry)
return 1
`)

/** KEYS: stream. ARGV: group, id. Acknowledges and deletes: the entry is done. */
export const removeScript = luaScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return redis.call('XDEL', KEYS[1], ARGV[2])
`)
