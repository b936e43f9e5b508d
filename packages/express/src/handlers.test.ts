// Every way an Express handler answers, through real Express 5 and Express 4 servers: what the client gets, and
// what was charged. Settlement happens once the answer is decided and 2xx; nothing is charged otherwise.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import express, { type ErrorRequestHandler, type Express } from 'express'
import express4 from 'express4'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readReceipt } from '@tollgate/x402/testing'
import type { PaywallEvent } from '@tollgate/x402'
import { BUYER, PRICE, STARTING_USDC, USDC, balance, charges, fundedFacilitator, getWithHost, leaveEarly, paymentFor, serve, sleep, usdc, type TestServer } from '../../node/src/test-support.js'
import { paywall } from './index.js'

const facilitator = fundedFacilitator()
let events: PaywallEvent[] = []
let server: TestServer
let dir: string
const FILE_BYTES = 300_000
const file = Buffer.alloc(FILE_BYTES, 'x')
/** Bytes the lazy stream of /lazy has produced so far. */
let produced = 0
/** The last stream /pipe piped into its response. */
let piped: Readable | undefined

function app(framework: () => Express, version: 4 | 5): Express {
  const app = framework()
  const paid = paywall({ facilitator, accepts: usdc, onEvent: (event) => events.push(event) })
  app.get('/write', paid, async (_req, res) => {
    res.setHeader('content-type', 'text/plain')
    res.write('one,')
    await sleep(10)
    res.write('two,')
    await sleep(10)
    res.end('three')
  })
  app.get('/json', paid, (req, res) => void res.json({ payer: req.payment.payment?.payer, same: res.locals.payment === req.payment }))
  app.get('/file', paid, (_req, res) => res.sendFile(join(dir, 'data.txt')))
  app.get('/pipe', paid, (_req, res) => void (piped = Readable.from(['a', 'b', 'c'])).pipe(res))
  app.get('/lazy', paid, (_req, res) => {
    // 64 MB made on demand: it is read only as fast as the client reads.
    const chunk = Buffer.alloc(64 * 1024, 'z')
    let left = 1024
    new Readable({
      read() {
        produced += chunk.length
        this.push(left-- > 0 ? chunk : null)
      },
    }).pipe(res)
  })
  app.get('/sse', paid, async (req, res) => {
    res.setHeader('content-type', 'text/event-stream')
    res.flushHeaders()
    await new Promise((resolve) => req.once('close', resolve))
  })
  app.get('/throw', paid, () => {
    throw new Error('broken')
  })
  // Express 4 does not catch a rejected promise (the process would see it unhandled).
  if (version === 5) {
    app.get('/throw-async', paid, async () => {
      await sleep(1)
      throw new Error('broken')
    })
  }
  app.get('/next-error', paid, (_req, _res, next) => next(new Error('broken')))
  app.get('/write-then-throw', paid, (_req, res) => {
    res.write('partial')
    throw new Error('broken')
  })
  app.get('/not-found', paid, (_req, res) => void res.status(404).json({ error: 'no such thing' }))
  app.get('/slow', paid, async (_req, res) => {
    await sleep(300)
    res.json({ late: true })
  })
  // Express's advice: once the head is out, leave the error to Express's own handler (it cuts the connection).
  const onError: ErrorRequestHandler = (error, _req, res, next) => {
    if (res.headersSent) return next(error)
    res.status(500).json({ caught: (error as Error).message })
  }
  app.use(onError)
  return app
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-express-'))
  await writeFile(join(dir, 'data.txt'), file)
})
afterAll(() => rm(dir, { recursive: true, force: true }))
afterEach(() => {
  facilitator.reset()
  facilitator.fund(BUYER, STARTING_USDC, { asset: USDC })
  events = []
})

async function paid(path: string, init: RequestInit = {}) {
  const headers = await paymentFor(server.url + path, facilitator)
  return { headers, response: await fetch(server.url + path, { ...init, headers }) }
}

function expectCharged(times: number) {
  expect(charges(facilitator)).toHaveLength(times)
  expect(balance(facilitator)).toBe(STARTING_USDC - PRICE * BigInt(times))
}

describe.each([
  [5, express],
  [4, express4],
] as const)('@tollgate/express on Express %i', (version, framework) => {
  beforeAll(async () => {
    server = await serve(app(framework, version))
  })
  afterAll(() => server?.stop())

  describe('each way a handler answers', () => {
    it.each([
      ['res.write and res.end over several turns', '/write', 'one,two,three'],
      ['res.json', '/json', JSON.stringify({ payer: BUYER, same: true })],
      ['res.sendFile', '/file', file.toString()],
      ['a piped stream', '/pipe', 'abc'],
    ])('%s: the whole answer with its receipt, charged once', async (_name, path, body) => {
      const { response } = await paid(path)
      expect(response.status).toBe(200)
      expect(readReceipt(response)).toMatchObject({ success: true, payer: BUYER })
      expect(await response.text()).toBe(body)
      expectCharged(1)
    })

    it('streams without reading ahead of the client: the head and first bytes arrive while most is unread', async () => {
      produced = 0
      const { response } = await paid('/lazy')
      expect(readReceipt(response)).toMatchObject({ success: true })
      const reader = response.body!.getReader()
      await reader.read()
      await sleep(100)
      // Socket and stream buffers hold a few MB at most; the paywall held none of the 64 MB.
      expect(produced).toBeLessThan(8 * 1024 * 1024)
      await reader.cancel()
      expectCharged(1)
    })

    it('res.flushHeaders() sends the head with the receipt at once (event streams)', async () => {
      const controller = new AbortController()
      const headers = await paymentFor(server.url + '/sse', facilitator)
      const response = await fetch(server.url + '/sse', { headers, signal: controller.signal })
      expect(response.headers.get('content-type')).toBe('text/event-stream')
      expect(readReceipt(response)).toMatchObject({ success: true })
      controller.abort()
      expectCharged(1)
    })
  })

  describe('nothing is charged when the answer fails', () => {
    it.each([
      ['throws', '/throw'],
      ...(version === 5 ? [['throws asynchronously', '/throw-async']] : []),
      ['calls next(error)', '/next-error'],
    ])("a handler that %s reaches Express's error handler, and its payment stays usable", async (_name, path) => {
      const { headers, response } = await paid(path)
      expect(response.status).toBe(500)
      expect(await response.json()).toEqual({ caught: 'broken' })
      expect(facilitator.settleCalls()).toEqual([])
      // The lock was released: the same payment buys the next answer.
      const retry = await fetch(server.url + '/json', { headers })
      expect(retry.status).toBe(200)
      expectCharged(1)
    })

    it('a handler that writes and then throws in the same turn: the connection is cut, nothing charged', async () => {
      const { response } = await paid('/write-then-throw').catch((error: unknown) => ({ response: error }))
      if (response instanceof Response) await expect(response.text()).rejects.toThrow()
      else expect(response).toBeInstanceOf(Error)
      await sleep(50)
      expectCharged(0)
    })

    it('a non-2xx answer passes through, settled nothing', async () => {
      const { response } = await paid('/not-found')
      expect(response.status).toBe(404)
      expect(await response.json()).toEqual({ error: 'no such thing' })
      expect(readReceipt(response)).toBeUndefined()
      expect(facilitator.settleCalls()).toEqual([])
    })

    it('a client that leaves before the answer is out is not charged', async () => {
      await leaveEarly(server.url + '/slow', facilitator)
      expect(facilitator.settleCalls()).toEqual([])
      expect(events.map((event) => event.type)).toContain('client.aborted')
    })

    it.each(['/write', '/file', '/pipe'])('a failed settlement replaces %s with a 402, and no paid byte goes out', async (path) => {
      const headers = await paymentFor(server.url + path, facilitator)
      facilitator.fail('settle', { type: 'settle-failure', reason: 'insufficient_funds' }, { times: 1 })
      const response = await fetch(server.url + path, { headers })
      expect(response.status).toBe(402)
      expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'insufficient_funds' })
      const text = await response.text()
      expect(text).not.toMatch(/one,|xxxx|abc/)
      expect(response.headers.get('content-type')).toMatch(/json/)
      expectCharged(0)
      // A piped source is not left open behind the replaced answer.
      if (path === '/pipe') expect(piped?.destroyed).toBe(true)
    })
  })

  describe('options and retries', () => {
    it('checks its options when called, not on the first request', () => {
      expect(() => paywall({ facilitator } as never)).toThrow(/accepts/)
      expect(() => paywall({ accepts: usdc } as never)).toThrow(/facilitator/)
    })

    it("mounted under a prefix, matches the whole path; a fault that is not a payment problem reaches Express's error handler", async () => {
      const seen: unknown[] = []
      const mounted = framework()
      mounted.use('/api', paywall({ facilitator, routes: { 'GET /api/report': usdc } }))
      mounted.get('/api/report', (_req, res) => void res.send('report'))
      const onError: ErrorRequestHandler = (error, _req, res, _next) => {
        seen.push(error)
        res.status(500).send('error handler')
      }
      mounted.use(onError)
      const app = await serve(mounted)
      try {
        expect((await fetch(app.url + '/api/report')).status).toBe(402)
        // A Host header no URL can be made of.
        const response = await getWithHost(app.url, '/api/report', 'bad host')
        expect(response).toEqual({ status: 500, body: 'error handler' })
        expect(seen[0]).toBeInstanceOf(TypeError)
      } finally {
        await app.stop()
      }
    })

    it('answers a retry with the same payment from the kept answer, streamed or not, without charging again', async () => {
      for (const path of ['/write', '/json']) {
        const { headers, response } = await paid(path)
        const body = await response.text()
        await sleep(20)
        const retry = await fetch(server.url + path, { headers })
        expect(retry.status).toBe(200)
        expect(retry.headers.get('idempotent-replayed')).toBe('true')
        expect(await retry.text()).toBe(body)
      }
      expectCharged(2)
    })
  })
})
