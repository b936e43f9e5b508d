// toNodeHandler and the (req, res, next) middleware on a real node:http server: each way a plain handler
// answers, what the client gets and what was charged.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readReceipt } from '@tollgate/x402/testing'
import { createPaywall, type PaywallEvent } from '@tollgate/x402'
import { BUYER, PRICE, STARTING_USDC, USDC, balance, charges, fundedFacilitator, getWithHost, leaveEarly, paymentFor, serve, sleep, usdc, type TestServer } from './test-support.js'
import { paywall, toNodeHandler, type PaidIncomingMessage } from './index.js'

const facilitator = fundedFacilitator()
let events: PaywallEvent[] = []
const errors: unknown[] = []
let server: TestServer

const handler = toNodeHandler(
  { facilitator, accepts: usdc, onEvent: (event) => events.push(event) },
  async (req, res, payment) => {
    const path = req.url ?? '/'
    if (path === '/write') {
      res.writeHead(200, 'Fine', { 'content-type': 'text/plain', 'x-paid-by': payment.payment?.payer ?? '' })
      res.write('one,')
      await sleep(10)
      res.end('two')
    } else if (path === '/pipeline') {
      await pipeline(Readable.from(['a', 'b', 'c']), res)
    } else if (path === '/same-ctx') {
      res.end(String((req as PaidIncomingMessage).payment === payment))
    } else if (path === '/throw') {
      throw new Error('broken')
    } else if (path === '/throw-late') {
      res.write('started')
      await sleep(20)
      throw new Error('broken after the head went out')
    } else if (path === '/teapot') {
      res.writeHead(418).end('no')
    } else if (path === '/slow') {
      await sleep(300)
      res.end('late')
    }
  },
  { onError: (error) => errors.push(error) },
)

beforeAll(async () => {
  server = await serve(handler)
})
afterAll(() => server?.stop())
afterEach(() => {
  facilitator.reset()
  facilitator.fund(BUYER, STARTING_USDC, { asset: USDC })
  events = []
  errors.length = 0
})

async function paid(path: string) {
  const headers = await paymentFor(server.url + path, facilitator)
  return { headers, response: await fetch(server.url + path, { headers }) }
}

describe('toNodeHandler', () => {
  it('res.writeHead + res.write + res.end: the head (status text, headers) and the receipt, charged once', async () => {
    const { response } = await paid('/write')
    expect(response.status).toBe(200)
    expect(response.statusText).toBe('Fine')
    expect(response.headers.get('x-paid-by')).toBe(BUYER)
    expect(readReceipt(response)).toMatchObject({ success: true, payer: BUYER })
    expect(await response.text()).toBe('one,two')
    expect(charges(facilitator)).toHaveLength(1)
    expect(balance(facilitator)).toBe(STARTING_USDC - PRICE)
  })

  it('stream.pipeline into res', async () => {
    const { response } = await paid('/pipeline')
    expect(readReceipt(response)).toMatchObject({ success: true })
    expect(await response.text()).toBe('abc')
    expect(charges(facilitator)).toHaveLength(1)
  })

  it('hands the payment context as the third argument and as req.payment', async () => {
    expect(await (await paid('/same-ctx')).response.text()).toBe('true')
  })

  it('a handler that throws: 500 handler_error, onError told, nothing charged, the payment still usable', async () => {
    const { headers, response } = await paid('/throw')
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ error: 'handler_error' })
    expect(errors).toHaveLength(1)
    expect(facilitator.settleCalls()).toEqual([])
    expect((await fetch(server.url + '/write', { headers })).status).toBe(200)
  })

  it('a handler that fails after its head went out: the answer is cut short, and it was charged (settled with the head)', async () => {
    const { response } = await paid('/throw-late')
    expect(readReceipt(response)).toMatchObject({ success: true })
    await expect(response.text()).rejects.toThrow()
    expect(charges(facilitator)).toHaveLength(1)
  })

  it('a non-2xx answer passes through, settled nothing', async () => {
    const { response } = await paid('/teapot')
    expect(response.status).toBe(418)
    expect(await response.text()).toBe('no')
    expect(facilitator.settleCalls()).toEqual([])
  })

  it('a client that leaves before the answer is out is not charged', async () => {
    await leaveEarly(server.url + '/slow', facilitator)
    expect(facilitator.settleCalls()).toEqual([])
    expect(events.map((event) => event.type)).toContain('client.aborted')
  })

  it('answers HEAD with the 402 head and no body', async () => {
    const response = await fetch(server.url + '/write', { method: 'HEAD' })
    expect(response.status).toBe(402)
    expect(response.headers.get('payment-required')).toBeTruthy()
  })

  it('takes a Paywall from createPaywall, and checks options when called', () => {
    expect(() => toNodeHandler(createPaywall({ facilitator, routes: { '/x': usdc } }), () => {})).not.toThrow()
    expect(() => toNodeHandler({ facilitator } as never, () => {})).toThrow(/accepts/)
    expect(() => toNodeHandler({ facilitator, accepts: usdc }, undefined as never)).toThrow(/handler/)
  })
})

describe('paywall() middleware, (req, res, next)', () => {
  it('calls next() with req.payment set, and next(error) for a fault that is not a payment problem', async () => {
    const seen: unknown[] = []
    const middleware = paywall({ facilitator, routes: { '/paid': usdc } })
    const app = await serve((req, res) =>
      middleware(req, res, (error) => {
        seen.push(error)
        if (error) return void res.writeHead(500).end('error handler')
        res.end((req as PaidIncomingMessage).payment.payment ? 'paid' : 'free')
      }),
    )
    try {
      expect(await (await fetch(app.url + '/other')).text()).toBe('free')
      expect((await fetch(app.url + '/paid')).status).toBe(402)
      const headers = await paymentFor(app.url + '/paid', facilitator)
      expect(await (await fetch(app.url + '/paid', { headers })).text()).toBe('paid')
      // A Host header no URL can be made of: not a payment problem, so the stack's error handler answers.
      const { status } = await getWithHost(app.url, '/paid', 'bad host')
      expect(status).toBe(500)
      expect(seen.at(-1)).toBeInstanceOf(TypeError)
    } finally {
      await app.stop()
    }
  })
})
