import { readVector } from '../test-support/vectors.js'
import { describe, expect, it, vi } from 'vitest'
import { decodeBase64Json } from '../codec/base64.js'
import { readPaymentRequired, readReceipt, paidRequest, payFor, unpaidRequest } from '../testing/requests.js'
import { TollgateError } from '../errors.js'
import { exact } from '../requirements/options.js'
import { createPaywall } from './paywall.js'
import type { NextHandler } from './types.js'
import { BUYER, ORIGIN, PAY_TO, setup, usdcOption } from './test-setup.js'

const vector = readVector
const v2 = vector('x402-v2.json')
const v1 = vector('x402-v1.json')

describe('unpaid requests', () => {
  it('answers 402 with the reference PAYMENT-REQUIRED header and v1 body, byte for byte', async () => {
    const { app, next } = setup()
    const response = await app(unpaidRequest(`${ORIGIN}/premium`))
    expect(response.status).toBe(402)
    expect(response.headers.get('PAYMENT-REQUIRED')).toBe(v2.paymentRequiredHeader)
    expect(await response.text()).toBe(JSON.stringify(v1.body402))
    expect(response.headers.get('Content-Type')).toBe('application/json')
    expect(response.headers.get('Cache-Control')).toBe('no-store')
    expect(response.headers.get('Access-Control-Expose-Headers')).toContain('PAYMENT-REQUIRED')
    expect(response.headers.get('Access-Control-Expose-Headers')).toContain('X-PAYMENT-RESPONSE')
    expect(next).not.toHaveBeenCalled()
  })

  it('an adapter header reader that throws gets a 500 answer, not a rejected promise, and the handler never runs', async () => {
    const paywall = createPaywall({ routes: { '/premium': usdcOption }, facilitator: setup().facilitator })
    const next = vi.fn(async () => new Response('paid content'))
    const headers = { get: (): string | null => { throw new Error('broken reader') } }
    const gate = await paywall.check(unpaidRequest(`${ORIGIN}/premium`), { headers })
    expect(gate.kind).toBe('respond')
    const response = await paywall.handle(unpaidRequest(`${ORIGIN}/premium`), next, { headers })
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ error: 'handler_error' })
    expect(next).not.toHaveBeenCalled()
  })

  it('lists every option a route accepts', async () => {
    const { app } = setup()
    const { v2: required } = await readPaymentRequired(await app(unpaidRequest(`${ORIGIN}/both`)))
    expect(required?.accepts.map((offer) => offer.scheme)).toEqual(['nvm:erc4337', 'exact'])
  })

  it('serves browsers an HTML page, still with the header', async () => {
    const { app } = setup()
    const response = await app(unpaidRequest(`${ORIGIN}/premium`, { headers: { accept: 'text/html,application/xhtml+xml' } }))
    expect(response.status).toBe(402)
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/)
    expect(response.headers.get('PAYMENT-REQUIRED')).toBe(v2.paymentRequiredHeader)
    const page = await response.text()
    expect(page).toContain('Payment required')
    expect(page).toContain('Premium data')
    expect(page).toContain(PAY_TO)
  })

  it('answers HEAD with a bodiless 402 and never runs the handler', async () => {
    const { app, next, facilitator } = setup()
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(`${ORIGIN}/premium`, token, { method: 'HEAD' }))
    expect(response.status).toBe(402)
    expect(response.body).toBeNull()
    expect(next).not.toHaveBeenCalled()
    expect(facilitator.calls).toHaveLength(0)
  })

  it('passes unmatched routes and OPTIONS through untouched', async () => {
    const own = new Response('free')
    const { paywall } = setup()
    const freeHandler = vi.fn<NextHandler>(async () => own)
    expect(await paywall.handle(unpaidRequest(`${ORIGIN}/free`), freeHandler)).toBe(own)
    expect(await paywall.handle(unpaidRequest(`${ORIGIN}/premium`, { method: 'OPTIONS' }), freeHandler)).toBe(own)
    expect(freeHandler.mock.calls[0]?.[1]?.payment).toBeUndefined()
  })

  it('answers a method the route does not name freely', async () => {
    const { app, next } = setup()
    const response = await app(unpaidRequest(`${ORIGIN}/premium`, { method: 'POST' }))
    expect(response.status).toBe(200)
    expect(next).toHaveBeenCalledOnce()
  })
})

describe('paid requests', () => {
  it('v2: runs the handler, settles the price and returns the receipt', async () => {
    const { app, facilitator, usdcBalance, next } = setup()
    const before = usdcBalance()
    const token = await payFor(await app(unpaidRequest(`${ORIGIN}/premium`)), facilitator, { payer: BUYER })
    const response = await app(paidRequest(`${ORIGIN}/premium`, token))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true, payer: BUYER })
    const receipt = readReceipt(response)
    expect(receipt).toMatchObject({ success: true, network: 'eip155:84532', payer: BUYER })
    expect(receipt?.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(response.headers.get('X-PAYMENT-RESPONSE')).toBeNull()
    expect(response.headers.get('Cache-Control')).toBe('private')
    expect(before - usdcBalance()).toBe(10_000n)
    const ctx = next.mock.calls[0]![1]
    expect(ctx.payment).toMatchObject({ payer: BUYER, scheme: 'exact', network: 'eip155:84532', amount: '10000', x402Version: 2 })
    expect(ctx.payment?.tokenHash).toMatch(/^[0-9a-f]{64}$/)
    expect(ctx.payment?.tokenHash).not.toContain(token)
  })

  it('v1: answers a v1 proof with a v1 receipt', async () => {
    const { app, facilitator, usdcBalance } = setup()
    const before = usdcBalance()
    const token = await payFor(await app(unpaidRequest(`${ORIGIN}/premium`)), facilitator, { payer: BUYER, x402Version: 1 })
    const response = await app(paidRequest(`${ORIGIN}/premium`, token))
    expect(response.status).toBe(200)
    expect(response.headers.get('PAYMENT-RESPONSE')).toBeNull()
    expect(decodeBase64Json(response.headers.get('X-PAYMENT-RESPONSE')!)).toMatchObject({ success: true, payer: BUYER })
    expect(before - usdcBalance()).toBe(10_000n)
    expect(facilitator.verifyCalls()[0]?.request.requirementsV1).toMatchObject({ maxAmountRequired: '10000', network: 'base-sepolia' })
  })

  it('pays a route with several options by any of them', async () => {
    const { app, facilitator, credits, usdcBalance } = setup()
    const res402 = await app(unpaidRequest(`${ORIGIN}/both`))
    const byPlan = await payFor(res402.clone(), facilitator, { payer: BUYER, optionIndex: 0 })
    const byUsdc = await payFor(res402, facilitator, { payer: BUYER, optionIndex: 1 })
    expect((await app(paidRequest(`${ORIGIN}/both`, byPlan))).status).toBe(200)
    expect((await app(paidRequest(`${ORIGIN}/both`, byUsdc))).status).toBe(200)
    expect(credits()).toBe(95n)
    expect(usdcBalance()).toBe(990_000n)
  })

  it('sends the facilitator the reference vectors verbatim (v2 and v1)', async () => {
    const seen: unknown[] = []
    const facilitator = {
      verify: async (request: unknown) => (seen.push(request), { isValid: true, payer: v2.expectedPayer }),
      settle: async () => v2.settleResponse,
    }
    const paywall = createPaywall({
      routes: { 'GET /premium': { accepts: usdcOption, description: 'Premium data', mimeType: 'application/json' } },
      facilitator,
    })
    const app = paywall.protect(() => new Response('data'))
    const paid2 = await app(paidRequest(`${ORIGIN}/premium`, v2.paymentSignatureHeader))
    expect(paid2.status).toBe(200)
    expect(paid2.headers.get('PAYMENT-RESPONSE')).toBe(v2.paymentResponseHeader)
    expect(seen[0]).toMatchObject({ token: v2.paymentSignatureHeader, requirements: v2.paymentPayload.accepted, amount: '10000' })
    await new Promise((resolve) => setTimeout(resolve, 10)) // the kept copy of the body is stored once read
    const paid1 = await app(paidRequest(`${ORIGIN}/premium`, v1.xPaymentHeader, { x402Version: 1 }))
    // Same authorisation nonce: the replay guard knows it, and hands back the response it paid for.
    expect(paid1.headers.get('Idempotent-Replayed')).toBe('true')
    expect(seen).toHaveLength(1)
    const fresh = createPaywall({ routes: { 'GET /premium': { accepts: usdcOption, description: 'Premium data', mimeType: 'application/json' } }, facilitator })
    const paid1b = await fresh.protect(() => new Response('data'))(paidRequest(`${ORIGIN}/premium`, v1.xPaymentHeader, { x402Version: 1 }))
    expect(paid1b.status).toBe(200)
    expect(paid1b.headers.get('X-PAYMENT-RESPONSE')).toBe(v1.xPaymentResponseHeader)
    expect(seen[1]).toMatchObject({ x402Version: 1, token: v1.xPaymentHeader, requirementsV1: v1.body402.accepts[0] })
  })

  it('charges less with ctx.charge, never more than verified', async () => {
    const { app, facilitator, credits } = setup({}, async (_request, ctx) => {
      const used = Number(new URL(_request.url).searchParams.get('used'))
      ctx.charge(used)
      return new Response('done')
    })
    const token = facilitator.mint({ payer: BUYER, requirements: (await readPaymentRequired(await app(unpaidRequest(`${ORIGIN}/ask`, { method: 'POST' })))).v2!.accepts[0]! })
    expect((await app(paidRequest(`${ORIGIN}/ask?used=2`, token, { method: 'POST' }))).status).toBe(200)
    expect(credits()).toBe(98n)
    expect(facilitator.settleCalls().at(-1)?.request.amount).toBe('2')
    const over = await app(paidRequest(`${ORIGIN}/ask?used=6`, token, { method: 'POST' }))
    expect(over.status).toBe(500)
    expect(credits()).toBe(98n)
    expect(facilitator.settleCalls()).toHaveLength(1)
  })

  it('refuses ctx.charge below the price on the exact scheme', async () => {
    let caught: unknown
    const { app, facilitator } = setup({}, async (_request, ctx) => {
      try {
        ctx.charge(1)
      } catch (error) {
        caught = error
      }
      return new Response('ok')
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await app(paidRequest(`${ORIGIN}/premium`, token))).status).toBe(200)
    expect(caught).toBeInstanceOf(TollgateError)
    expect((caught as TollgateError).code).toBe('charge_unsupported')
  })

  it('evaluates a request-dependent price per request', async () => {
    const facilitatorless = { verify: vi.fn(), settle: vi.fn() }
    const paywall = createPaywall({
      routes: { 'POST /render': exact({ amount: (request) => BigInt(request.headers.get('x-pages') ?? '1') * 1000n, network: 'base-sepolia', payTo: PAY_TO }) },
      facilitator: facilitatorless,
    })
    const ask = async (pages: string) =>
      (await readPaymentRequired(await paywall.protect(() => new Response())(unpaidRequest(`${ORIGIN}/render`, { method: 'POST', headers: { 'x-pages': pages } })))).v2!
        .accepts[0]!.amount
    expect(await ask('3')).toBe('3000')
    expect(await ask('7')).toBe('7000')
  })

  it('skips the facilitator when the handler charges nothing', async () => {
    const { app, facilitator, credits } = setup({}, async (_request, ctx) => (ctx.charge(0), new Response('free this time')))
    const token = facilitator.mint({ payer: BUYER, requirements: (await readPaymentRequired(await app(unpaidRequest(`${ORIGIN}/ask`, { method: 'POST' })))).v2!.accepts[0]! })
    const response = await app(paidRequest(`${ORIGIN}/ask`, token, { method: 'POST' }))
    expect(response.status).toBe(200)
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(credits()).toBe(100n)
  })
})

describe('options', () => {
  const facilitator = { verify: vi.fn(), settle: vi.fn() }
  const routes = { 'GET /a': usdcOption }
  it.each([
    [{ routes }, 'facilitator'],
    [{ routes: {}, facilitator }, 'routes'],
    [{ routes, facilitator, verifyTimeoutMs: -1 }, 'verifyTimeoutMs'],
    [{ routes, facilitator, settleTimeoutMs: Number.NaN }, 'settleTimeoutMs'],
    [{ routes, facilitator, onSettleFailure: 'maybe' }, 'onSettleFailure'],
    [{ routes, facilitator, baseUrl: 'ftp://x' }, 'baseUrl'],
    [{ routes: { 'FETCH /a': usdcOption }, facilitator }, 'routes["FETCH /a"]'],
    [{ routes: { 'GET a': usdcOption }, facilitator }, 'routes["GET a"]'],
    [{ routes: { 'GET /a': [] }, facilitator }, 'routes["GET /a"].accepts'],
    [{ routes: { 'GET /a': { accepts: usdcOption, settleTimeoutMs: 0 } }, facilitator }, 'routes["GET /a"].settleTimeoutMs'],
    [{ routes: { 'GET /a': { price: '$0.01' } }, facilitator }, 'routes["GET /a"].accepts[0]'],
  ])('rejects bad options at construction (%#: %s)', (options, path) => {
    let error: unknown
    try {
      createPaywall(options as never)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TollgateError)
    expect((error as TollgateError).code).toBe('invalid_options')
    expect((error as TollgateError).details.path).toBe(path)
    expect((error as TollgateError).message).toContain(path)
  })

  it('uses baseUrl for the resource, and forwarded headers only when trusted', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' }
    const resourceOf = async (options: object) => {
      const paywall = createPaywall({ routes, facilitator, ...options })
      const response = await paywall.protect(() => new Response())(unpaidRequest('http://10.0.0.5:8080/a', { headers: forwarded }))
      return (await readPaymentRequired(response)).v2!.resource.url
    }
    expect(await resourceOf({})).toBe('http://10.0.0.5:8080/a')
    expect(await resourceOf({ trustProxy: true })).toBe('https://evil.example/a')
    expect(await resourceOf({ baseUrl: 'https://api.example.com' })).toBe('https://api.example.com/a')
  })
})
