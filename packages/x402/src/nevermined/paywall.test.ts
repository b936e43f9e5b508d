// End to end: createPaywall + nevermined() against the fake backend, as a seller would run it.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPaywall } from '../engine/paywall.js'
import { combineFacilitators } from '../facilitator/combine.js'
import type { Facilitator } from '../facilitator/types.js'
import type { NextHandler, PaywallOptions } from '../engine/types.js'
import { exact, plan } from '../requirements/options.js'
import type { RouteSpec } from '../requirements/types.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { readPaymentRequired, readReceipt } from '../testing/requests.js'
import { nevermined } from './facilitator.js'
import { fromPayments } from './payments.js'
import { API_KEY, encodeToken, fakeNevermined, nvmError, vector, type RecordedCall } from './test-backend.js'

const backend = fakeNevermined()
beforeAll(() => backend.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => backend.reset())
afterAll(() => backend.server.close())

const ORIGIN = 'https://api.example.com'
const PLAN_A: string = vector.paymentRequired.accepts[0].planId
const PLAN_B = '5550000000000000001'
const AGENT_ID = '987654321'
const BUYER: string = vector.verifyResponse.payer
const tokenA: string = vector.accessToken
const tokenB = encodeToken({ ...vector.accessTokenDecoded, accepted: { ...vector.accessTokenDecoded.accepted, planId: PLAN_B } })

const planA = plan({ planId: PLAN_A, agentId: AGENT_ID, httpVerb: 'POST', network: 'eip155:84532' })
const planB = plan({ planId: PLAN_B, agentId: AGENT_ID, httpVerb: 'POST', network: 'eip155:84532', credits: 3 })

function setup(route: RouteSpec = planA, overrides: Partial<PaywallOptions> = {}, handler?: NextHandler) {
  const next = vi.fn<NextHandler>(handler ?? (async (_request, ctx) => Response.json({ answer: 42, payer: ctx.payment?.payer, planId: ctx.payment?.planId })))
  const paywall = createPaywall({
    routes: {
      'POST /ask': typeof route === 'object' && 'accepts' in route ? route : { accepts: route, description: 'AI agent task execution', mimeType: 'application/json' },
    },
    facilitator: nevermined({ apiKey: API_KEY }),
    baseUrl: ORIGIN,
    ...overrides,
  })
  return { app: paywall.protect(next), next }
}

const ask = (token?: string, headers: Record<string, string> = {}) =>
  new Request(`${ORIGIN}/ask`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token === undefined ? {} : { 'PAYMENT-SIGNATURE': token }), ...headers },
    body: JSON.stringify({ question: 'why?' }),
  })

/** The vector's bodies, for the canonical resource URL the engine advertises. */
const atOrigin = (body: Record<string, any>) => ({
  ...body,
  paymentRequired: { ...body.paymentRequired, resource: { ...body.paymentRequired.resource, url: `${ORIGIN}/ask` } },
})

describe('a route paid with a Nevermined plan', () => {
  it('answers an unpaid request with a 402 that shows the plan as in the vector', async () => {
    const { app, next } = setup()
    const response = await app(ask())
    expect(response.status).toBe(402)
    const { v2 } = await readPaymentRequired(response)
    expect(v2?.accepts).toEqual(vector.paymentRequired.accepts)
    expect(v2?.resource).toEqual({ ...vector.paymentRequired.resource, url: `${ORIGIN}/ask` })
    expect(next).not.toHaveBeenCalled()
    expect(backend.calls).toHaveLength(0)
  })

  it('verifies the vector token, runs the handler, settles with verify’s agentRequestId and returns the receipt', async () => {
    const { app, next } = setup()
    const response = await app(ask(tokenA))

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ answer: 42, payer: BUYER, planId: PLAN_A })
    expect(readReceipt(response)).toEqual(vector.settleResponse)
    expect(next).toHaveBeenCalledOnce()

    const [verify] = backend.callsTo('verify')
    const [settle] = backend.callsTo('settle')
    expect(verify?.body).toEqual(atOrigin({ ...vector.verifyRequestBody, x402AccessToken: tokenA }))
    expect(settle?.body).toEqual(atOrigin({ ...vector.settleRequestBody, x402AccessToken: tokenA }))
    expect(settle?.body.agentRequestId).toBe(vector.verifyResponse.agentRequestId)
    expect(backend.calls.map((call) => call.endpoint)).toEqual(['verify', 'settle'])
  })

  it('answers 402 with the backend’s code when verify refuses, and never runs the handler', async () => {
    backend.next('verify', nvmError(402, 'BCK.X402.0003', 'Token rejected'))
    const { app, next } = setup()
    const response = await app(ask(tokenA))
    expect(response.status).toBe(402)
    expect((await readPaymentRequired(response)).v2?.error).toBe('BCK.X402.0003')
    expect(next).not.toHaveBeenCalled()
    expect(backend.callsTo('settle')).toHaveLength(0)
  })

  it('fails closed when settle answers success:false on HTTP 200', async () => {
    backend.next('settle', { json: { success: false, errorReason: 'insufficient_credits', transaction: '', network: 'eip155:84532' } })
    const { app, next } = setup()
    const response = await app(ask(tokenA))
    expect(response.status).toBe(402)
    expect(next).toHaveBeenCalledOnce()
    expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'insufficient_credits' })
    expect(await response.text()).not.toContain('42')
  })

  it('fails closed on BCK.X402.0059 at settle, calling settle once', async () => {
    backend.always('settle', nvmError(400, 'BCK.X402.0059', 'The access token was already used'))
    const { app } = setup()
    const response = await app(ask(tokenA))
    expect(response.status).toBe(402)
    expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'BCK.X402.0059' })
    expect(backend.callsTo('settle')).toHaveLength(1)
  })

  it('answers 504 when the backend hangs past the engine’s deadline', async () => {
    backend.always('verify', { hang: true })
    const { app, next } = setup(planA, { verifyTimeoutMs: 100 })
    const started = Date.now()
    const response = await app(ask(tokenA))
    expect(response.status).toBe(504)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(next).not.toHaveBeenCalled()
  })

  it('answers 502 when the backend cannot be reached (after one verify retry)', async () => {
    backend.always('verify', { networkError: true })
    const { app, next } = setup()
    const response = await app(ask(tokenA))
    expect(response.status).toBe(502)
    expect(backend.callsTo('verify')).toHaveLength(2)
    expect(next).not.toHaveBeenCalled()
  })

  it('answers 502 when the backend answers garbage', async () => {
    backend.next('verify', { text: 'not json' })
    const { app } = setup()
    expect((await app(ask(tokenA))).status).toBe(502)
  })

  it('sends credits per request to verify, and what the handler charged to settle', async () => {
    const perRequest = plan({
      planId: PLAN_A,
      agentId: AGENT_ID,
      httpVerb: 'POST',
      network: 'eip155:84532',
      credits: (request) => request.headers.get('x-model') === 'large' ? 10 : 1,
    })
    const { app } = setup(perRequest, {}, async (_request, ctx) => {
      ctx.charge(4)
      return Response.json({ ok: true })
    })
    const response = await app(ask(tokenA, { 'x-model': 'large' }))
    expect(response.status).toBe(200)
    expect(backend.callsTo('verify')[0]?.body.maxAmount).toBe('10')
    expect(backend.callsTo('settle')[0]?.body.maxAmount).toBe('4')
  })
})

describe('a route with two plans', () => {
  // The fake backend checks what Nevermined checks: the token's plan is one the 402 offers.
  function planAwareVerify(call: RecordedCall) {
    const accepted = JSON.parse(atob(call.body.x402AccessToken.replace(/-/g, '+').replace(/_/g, '/'))).accepted
    const offered = call.body.paymentRequired.accepts.some((offer: { planId: string }) => offer.planId === accepted.planId)
    return offered
      ? { json: { isValid: true, payer: BUYER, agentRequestId: `req_${accepted.planId}` } }
      : { status: 400, json: { code: 'BCK.X402.0013', message: 'plan not offered' } }
  }

  it('offers both and accepts a payment with either', async () => {
    backend.always('verify', planAwareVerify)
    const { app } = setup([planA, planB])

    const unpaid = await app(ask())
    expect((await readPaymentRequired(unpaid)).v2?.accepts.map((offer) => offer.planId)).toEqual([PLAN_A, PLAN_B])

    const paidA = await app(ask(tokenA))
    const paidB = await app(ask(tokenB))
    expect(paidA.status).toBe(200)
    expect(paidB.status).toBe(200)
    expect(await paidA.json()).toMatchObject({ planId: PLAN_A })
    expect(await paidB.json()).toMatchObject({ planId: PLAN_B })

    const settles = backend.callsTo('settle')
    expect(settles.map((call) => [call.body.x402AccessToken, call.body.maxAmount, call.body.agentRequestId])).toEqual([
      [tokenA, '1', `req_${PLAN_A}`],
      [tokenB, '3', `req_${PLAN_B}`],
    ])
    // Both calls carry the whole 402 with both plans, the same object for verify and settle.
    for (const call of backend.calls) expect(call.body.paymentRequired.accepts).toHaveLength(2)
  })

  it('refuses a token for a plan the route does not offer without calling the backend', async () => {
    const { app } = setup([planA, planB])
    const other = encodeToken({ ...vector.accessTokenDecoded, accepted: { ...vector.accessTokenDecoded.accepted, planId: '42' } })
    const response = await app(ask(other))
    expect(response.status).toBe(402)
    expect((await readPaymentRequired(response)).v2?.error).toBe('no_matching_requirements')
    expect(backend.calls).toHaveLength(0)
  })
})

describe('a route that takes a plan or USDC', () => {
  it('sends plan payments to Nevermined with only the plan offers', async () => {
    const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' })
    const paywall = createPaywall({
      routes: { 'POST /ask': { accepts: [usdc, planA], description: 'AI agent task execution', mimeType: 'application/json' } },
      facilitator: combineFacilitators({ exact: createTestFacilitator(), 'nvm:erc4337': nevermined({ apiKey: API_KEY }) }),
      baseUrl: ORIGIN,
    })
    const app = paywall.protect(async () => Response.json({ ok: true }))

    const unpaid = await app(ask())
    expect((await readPaymentRequired(unpaid)).v2?.accepts.map((offer) => offer.scheme)).toEqual(['exact', 'nvm:erc4337'])

    const paid = await app(ask(tokenA))
    expect(paid.status).toBe(200)
    expect(backend.callsTo('verify')[0]?.body).toEqual(atOrigin({ ...vector.verifyRequestBody, x402AccessToken: tokenA }))
    expect(backend.callsTo('settle')[0]?.body).toEqual(atOrigin({ ...vector.settleRequestBody, x402AccessToken: tokenA }))
  })
})

describe('settle options per route', () => {
  it('settles the batch route with batch and marginPercent, and the other route without', async () => {
    const paywall = createPaywall({
      routes: { 'POST /agent': planA, 'POST /ask': planA },
      facilitator: nevermined({
        apiKey: API_KEY,
        settle: (request) => (new URL(request.paymentRequired.resource.url).pathname === '/agent' ? { batch: true, marginPercent: 5 } : undefined),
      }),
      baseUrl: ORIGIN,
    })
    const app = paywall.protect(async () => Response.json({ ok: true }))
    const agent = await app(new Request(`${ORIGIN}/agent`, { method: 'POST', headers: { 'PAYMENT-SIGNATURE': tokenA } }))
    const plain = await app(ask(tokenA))
    expect([agent.status, plain.status]).toEqual([200, 200])
    const [first, second] = backend.callsTo('settle')
    expect(first?.body).toMatchObject({ batch: true, marginPercent: 5, agentRequestId: 'req_abc123' })
    expect(first?.body.paymentRequired.resource.url).toBe(`${ORIGIN}/agent`)
    expect(second?.body).not.toHaveProperty('batch')
  })
})

describe('httpVerb', () => {
  const offerOf = async (routes: Record<string, RouteSpec>, request: Request, facilitator: Facilitator = nevermined({ apiKey: API_KEY })) => {
    const paywall = createPaywall({ routes, facilitator, baseUrl: ORIGIN })
    const { v2 } = await readPaymentRequired(await paywall.protect(async () => new Response('paid'))(request))
    return v2?.accepts[0]
  }

  it('defaults to the route’s method, as the SDK’s middleware sends the request’s, and reaches verify', async () => {
    const offer = await offerOf({ 'POST /ask': plan({ planId: PLAN_A, agentId: AGENT_ID, network: 'eip155:84532' }) }, ask())
    expect(offer?.extra).toEqual({ version: '1', agentId: AGENT_ID, httpVerb: 'POST' })
    const paywall = createPaywall({ routes: { 'POST /ask': plan({ planId: PLAN_A, network: 'eip155:84532' }) }, facilitator: nevermined({ apiKey: API_KEY }), baseUrl: ORIGIN })
    await paywall.protect(async () => new Response('paid'))(ask(tokenA))
    expect(backend.callsTo('verify')[0]?.body.paymentRequired.accepts[0].extra.httpVerb).toBe('POST')
  })

  it('keeps plan({ httpVerb }), and adds none for a route of any method', async () => {
    const given = await offerOf({ 'POST /ask': plan({ planId: PLAN_A, httpVerb: 'put', network: 'eip155:84532' }) }, ask())
    expect(given?.extra?.httpVerb).toBe('PUT')
    const anyMethod = await offerOf({ '/ask': plan({ planId: PLAN_A, network: 'eip155:84532' }) }, ask())
    expect(anyMethod?.extra).not.toHaveProperty('httpVerb')
  })

  it('is added by fromPayments() too, and only to plan offers of a combined facilitator', async () => {
    const sdk = { facilitator: { verifyPermissions: async () => vector.verifyResponse, settlePermissions: async () => vector.settleResponse } }
    const fromSdk = await offerOf({ 'GET /ask': plan({ planId: PLAN_A, network: 'eip155:84532' }) }, new Request(`${ORIGIN}/ask`), fromPayments(sdk))
    expect(fromSdk?.extra?.httpVerb).toBe('GET')
    const paywall = createPaywall({
      routes: { 'POST /ask': [plan({ planId: PLAN_A, network: 'eip155:84532' }), exact({ price: '$0.01', network: 'base-sepolia', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' })] },
      facilitator: combineFacilitators({ exact: createTestFacilitator(), 'nvm:erc4337': nevermined({ apiKey: API_KEY }) }),
      baseUrl: ORIGIN,
    })
    const { v2 } = await readPaymentRequired(await paywall.protect(async () => new Response('paid'))(ask()))
    expect(v2?.accepts[0]?.extra?.httpVerb).toBe('POST')
    expect(v2?.accepts[1]?.extra).not.toHaveProperty('httpVerb')
  })
})

describe('settle options per request (ctx.settleWith)', () => {
  it('sends what the handler asked, over the route’s choice', async () => {
    const paywall = createPaywall({
      routes: { 'POST /ask': planA },
      facilitator: nevermined({ apiKey: API_KEY, settle: { batch: false, marginPercent: 1 } }),
      baseUrl: ORIGIN,
    })
    const app = paywall.protect(async (_request, ctx) => {
      ctx.settleWith({ batch: true })
      return Response.json({ ok: true })
    })
    expect((await app(ask(tokenA))).status).toBe(200)
    expect(backend.callsTo('settle')[0]?.body).toMatchObject({ batch: true, marginPercent: 1 })
  })

  it('refuses a key Nevermined does not take (a programming error: 500), without calling settle', async () => {
    const { app } = setup(planA, {}, async (_request, ctx) => {
      ctx.settleWith({ batchh: true })
      return Response.json({ ok: true })
    })
    const response = await app(ask(tokenA))
    expect(response.status).toBe(500)
    expect(backend.callsTo('settle')).toHaveLength(0)
  })
})
