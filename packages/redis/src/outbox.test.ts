// redisOutbox against a real redis-server, through the Outbox interface the core's worker uses: leases, retries
// that come back when due, leases taken over from a dead consumer, and concurrent claims.
import type { OutboxEntry } from '@tollgate/x402'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { redisOutbox } from './index.js'
import { connect, startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const LEASE = 60_000

let server: RedisServer
let client: Awaited<ReturnType<typeof connect>>

setupOnce(async () => {
  server = await startRedisServer()
  client = await connect(server)
})

afterAll(async () => {
  client?.destroy()
  await server?.stop()
})

beforeEach(async () => {
  await client.flushAll()
})

function entry(n: number, overrides: Partial<OutboxEntry> = {}): Omit<OutboxEntry, 'id'> {
  const now = Date.now()
  return {
    request: { token: `token-${n}`, amount: '10000', requirements: { scheme: 'exact', network: 'eip155:84532' }, accepts: [] } as never,
    attempts: 1,
    dueAt: now,
    expiresAt: now + 3_600_000,
    enqueuedAt: now,
    origin: { route: 'GET /premium', method: 'GET', path: '/premium', tokenHash: `hash-${n}` },
    ...overrides,
  }
}

const tokens = (entries: OutboxEntry[]) => entries.map((e) => (e.request as unknown as { token: string }).token).sort()

describe('redisOutbox', () => {
  it('hands an added entry back as it was, leased: nobody else gets it until it is removed', async () => {
    const a = redisOutbox({ client })
    const b = redisOutbox({ client })
    const added = entry(1)
    const id = await a.add(added)
    expect(id).toMatch(/^\d+-\d+$/)

    const [claimed, ...rest] = await a.claim({ now: Date.now(), max: 10, leaseMs: LEASE })
    expect(rest).toEqual([])
    expect(claimed).toEqual({ ...added, id })
    expect(await b.claim({ now: Date.now(), max: 10, leaseMs: LEASE })).toEqual([])
    expect(await a.claim({ now: Date.now(), max: 10, leaseMs: LEASE })).toEqual([])

    expect(await a.count()).toBe(1)
    await a.remove(id)
    expect(await a.count()).toBe(0)
    expect(await b.claim({ now: Date.now(), max: 10, leaseMs: LEASE })).toEqual([])
  })

  it('keeps attempts and dueAt on reschedule, and gives the entry back only once it is due', async () => {
    const outbox = redisOutbox({ client })
    await outbox.add(entry(1))
    const [first] = await outbox.claim({ now: Date.now(), max: 10, leaseMs: LEASE })
    const dueAt = Date.now() + 250
    await outbox.reschedule(first!.id, { attempts: 2, dueAt })

    expect(await outbox.claim({ now: Date.now(), max: 10, leaseMs: LEASE })).toEqual([])
    expect(await outbox.count()).toBe(1)
    await wait(300)
    const [again, ...rest] = await outbox.claim({ now: Date.now(), max: 10, leaseMs: LEASE })
    expect(rest).toEqual([])
    expect(again).toMatchObject({ attempts: 2, dueAt, origin: first!.origin, request: first!.request, expiresAt: first!.expiresAt })
    // A retry is a new stream entry: the old id is gone.
    expect(again!.id).not.toBe(first!.id)
  })

  it('gives an entry whose lease ran out to another consumer: its holder died mid-settle', async () => {
    const dead = redisOutbox({ client, consumer: 'dead' })
    const alive = redisOutbox({ client, consumer: 'alive' })
    const id = await dead.add(entry(1))
    expect(await dead.claim({ now: Date.now(), max: 10, leaseMs: 250 })).toHaveLength(1)
    expect(await alive.claim({ now: Date.now(), max: 10, leaseMs: 250 })).toEqual([])
    await wait(300)
    const [taken] = await alive.claim({ now: Date.now(), max: 10, leaseMs: 250 })
    expect(taken?.id).toBe(id)
    // The late holder's reschedule no longer counts: the lease is someone else's now.
    await dead.reschedule(id, { attempts: 9, dueAt: Date.now() })
    await wait(300)
    const [retaken] = await dead.claim({ now: Date.now(), max: 10, leaseMs: 250 })
    expect(retaken).toMatchObject({ id, attempts: 1 })
  })

  it('keeps entries across a restart: a new outbox on the same key finds them', async () => {
    const before = redisOutbox({ url: server.url })
    await before.add(entry(1))
    await before.add(entry(2, { dueAt: Date.now() + 1_000 }))
    await before.close()

    const after = redisOutbox({ url: server.url })
    expect(tokens(await after.claim({ now: Date.now(), max: 10, leaseMs: LEASE }))).toEqual(['token-1'])
    expect(tokens(await after.claim({ now: Date.now() + 1_000, max: 10, leaseMs: LEASE }))).toEqual(['token-2'])
    await after.close()
  })

  it('holds back an entry not yet due by the caller clock, and honours max', async () => {
    const outbox = redisOutbox({ client })
    for (let n = 1; n <= 5; n++) await outbox.add(entry(n))
    await outbox.add(entry(6, { dueAt: Date.now() + 10_000 }))
    expect(await outbox.claim({ now: Date.now(), max: 3, leaseMs: LEASE })).toHaveLength(3)
    expect(await outbox.claim({ now: Date.now(), max: 10, leaseMs: LEASE })).toHaveLength(2)
    expect(tokens(await outbox.claim({ now: Date.now() + 20_000, max: 10, leaseMs: LEASE }))).toEqual(['token-6'])
  })

  it('never hands one entry to two of many consumers claiming at once', async () => {
    const outboxes = Array.from({ length: 4 }, () => redisOutbox({ client }))
    for (let n = 0; n < 40; n++) await outboxes[0]!.add(entry(n))
    const rounds = await Promise.all(outboxes.flatMap((outbox) => [1, 2, 3].map(() => outbox.claim({ now: Date.now(), max: 5, leaseMs: LEASE }))))
    const claimed = tokens(rounds.flat())
    expect(claimed).toHaveLength(40)
    expect(new Set(claimed).size).toBe(40)
  })

  it('uses its own key and group when told, apart from the defaults', async () => {
    const mine = redisOutbox({ client, key: 'app1:outbox', group: 'app1' })
    await mine.add(entry(1))
    expect(await client.exists('app1:outbox')).toBe(1)
    expect(await redisOutbox({ client }).claim({ now: Date.now(), max: 10, leaseMs: LEASE })).toEqual([])
    expect(await mine.claim({ now: Date.now(), max: 10, leaseMs: LEASE })).toHaveLength(1)
  })
})
