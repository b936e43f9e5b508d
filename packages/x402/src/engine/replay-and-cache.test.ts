// The verification cache (single-flight, TTL, never caching failures) and the replay guard on single-use payments.
import { describe, expect, it } from 'vitest'
import { encodeBase64Json } from '../codec/base64.js'
import { readPaymentRequired, paidRequest } from '../testing/requests.js'
import { memoryStore } from '../store/memory.js'
import { createPaywall } from './paywall.js'
import { BUYER, ORIGIN, gate, planOption, setup, usdcOption } from './test-setup.js'

const ASK = `${ORIGIN}/ask`
const PREMIUM = `${ORIGIN}/premium`
const planRequirements = planOption.requirements

describe('verification cache', () => {
  it('100 concurrent requests with one token make one verify call', async () => {
    const { app, facilitator, credits } = setup()
    facilitator.fund(BUYER, 400, { planId: planRequirements.planId! })
    facilitator.fail('verify', { type: 'delay', ms: 20 }, { times: 1 })
    const token = facilitator.mint({ payer: BUYER, requirements: planRequirements })
    const responses = await Promise.all(Array.from({ length: 100 }, () => app(paidRequest(ASK, token, { method: 'POST' }))))
    expect(responses.every((response) => response.status === 200)).toBe(true)
    expect(facilitator.verifyCalls()).toHaveLength(1)
    expect(facilitator.settleCalls()).toHaveLength(100)
    expect(credits()).toBe(0n) // 500 credits, 5 per request
  })

  it('reuses a verification for the TTL, then verifies again', async () => {
    let now = 0
    const store = memoryStore({ now: () => now })
    const { app, facilitator } = setup({ store, verifyCacheTtlMs: 1_000 })
    const token = facilitator.mint({ payer: BUYER, requirements: planRequirements })
    await app(paidRequest(ASK, token, { method: 'POST' }))
    await app(paidRequest(ASK, token, { method: 'POST' }))
    expect(facilitator.verifyCalls()).toHaveLength(1)
    now += 1_001
    await app(paidRequest(ASK, token, { method: 'POST' }))
    expect(facilitator.verifyCalls()).toHaveLength(2)
  })

  it('verifies every time with the cache off', async () => {
    const { app, facilitator } = setup({ verifyCacheTtlMs: 0 })
    const token = facilitator.mint({ payer: BUYER, requirements: planRequirements })
    await app(paidRequest(ASK, token, { method: 'POST' }))
    await app(paidRequest(ASK, token, { method: 'POST' }))
    expect(facilitator.verifyCalls()).toHaveLength(2)
  })

  it('never caches an error or an invalid answer', async () => {
    const { app, facilitator } = setup()
    const token = facilitator.mint({ payer: BUYER, requirements: planRequirements })
    facilitator.fail('verify', { type: 'throw' }, { times: 1 })
    expect((await app(paidRequest(ASK, token, { method: 'POST' }))).status).toBe(502)
    facilitator.fail('verify', { type: 'invalid', reason: 'insufficient_funds' }, { times: 1 })
    expect((await app(paidRequest(ASK, token, { method: 'POST' }))).status).toBe(402)
    expect((await app(paidRequest(ASK, token, { method: 'POST' }))).status).toBe(200)
    expect(facilitator.verifyCalls()).toHaveLength(3)
  })

  it('shares one timeout among concurrent waiters, and all get 504', async () => {
    const { app, facilitator } = setup({ verifyTimeoutMs: 50 })
    facilitator.fail('verify', { type: 'hang' }, { times: 1 })
    const token = facilitator.mint({ payer: BUYER, requirements: planRequirements })
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await app(paidRequest(ASK, token, { method: 'POST' }))).status))
    expect(statuses).toEqual(Array(10).fill(504))
    expect(facilitator.verifyCalls()).toHaveLength(1)
  })
})

describe('replay guard on single-use payments', () => {
  it('serves a single-use payment once; a later copy gets 402 (idempotent replay off)', async () => {
    const { app, facilitator, usdcBalance } = setup({ idempotency: false })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
    const replay = await app(paidRequest(PREMIUM, token))
    expect(replay.status).toBe(402)
    expect((await readPaymentRequired(replay)).v2?.error).toBe('payment_already_used')
    expect(facilitator.settleCalls()).toHaveLength(1)
    expect(usdcBalance()).toBe(990_000n)
  })

  it('serves concurrent copies once', async () => {
    const hold = gate()
    const { app, facilitator, next } = setup({}, async () => {
      await hold.opened
      return new Response('paid')
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const first = app(paidRequest(PREMIUM, token))
    const copies = await Promise.all(Array.from({ length: 5 }, () => app(paidRequest(PREMIUM, token))))
    hold.release()
    expect((await first).status).toBe(200)
    for (const copy of copies) {
      expect(copy.status).toBe(402)
      expect((await readPaymentRequired(copy)).v2?.error).toBe('payment_in_use')
    }
    expect(next).toHaveBeenCalledOnce()
  })

  it('knows a re-encoded copy of the same authorisation (url-safe base64, v1 wrapper)', async () => {
    // A signed-looking payload with an EIP-3009 nonce: the guard keys on it, not on the header bytes.
    const verifyingFacilitator = {
      verify: async () => ({ isValid: true, payer: BUYER }),
      settle: async () => ({ success: true, transaction: '0x' + 'ab'.repeat(32), network: 'eip155:84532' }),
    }
    const paywall = createPaywall({ routes: { 'GET /premium': usdcOption }, facilitator: verifyingFacilitator, idempotency: false })
    const payload = {
      x402Version: 2,
      accepted: usdcOption.requirements,
      payload: { signature: '0x' + '11'.repeat(65), authorization: { from: BUYER, to: usdcOption.requirements.payTo, value: '10000', validAfter: '0', validBefore: String(Math.floor(Date.now() / 1000) + 600), nonce: '0x' + '22'.repeat(32) } },
    }
    const token = encodeBase64Json(payload)
    const app = paywall.protect(() => new Response('paid'))
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
    const urlSafe = token.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    const reordered = encodeBase64Json({ payload: payload.payload, accepted: payload.accepted, x402Version: 2 })
    const v1 = encodeBase64Json({ x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload: payload.payload })
    for (const [copy, x402Version] of [[urlSafe, 2], [reordered, 2], [v1, 1]] as const) {
      const response = await app(paidRequest(PREMIUM, copy, { x402Version }))
      expect(response.status).toBe(402)
      expect((await response.json()).error).toBe('payment_already_used')
    }
  })

  it('lets many requests use a reusable credits token', async () => {
    const { app, facilitator, credits } = setup()
    const token = facilitator.mint({ payer: BUYER, requirements: planRequirements })
    for (let i = 0; i < 3; i++) expect((await app(paidRequest(ASK, token, { method: 'POST' }))).status).toBe(200)
    expect(credits()).toBe(85n)
  })
})

describe('facilitators whose verification is per request', () => {
  it('are asked for every request, concurrent or not, so per-request state is never shared', async () => {
    const { app, facilitator } = setup()
    Object.assign(facilitator, { perRequestVerification: true })
    const token = facilitator.mint({ payer: BUYER, requirements: planRequirements })
    await Promise.all(Array.from({ length: 5 }, () => app(paidRequest(ASK, token, { method: 'POST' }))))
    await app(paidRequest(ASK, token, { method: 'POST' }))
    expect(facilitator.verifyCalls()).toHaveLength(6)
    const requestIds = facilitator.settleCalls().map((call) => call.request.verification.testRequestId)
    expect(new Set(requestIds).size).toBe(6)
  })
})

describe('lock ownership', () => {
  it('a request whose lock expired does not release the lock another request holds now', async () => {
    let now = 1_000_000
    const store = memoryStore({ now: () => now })
    const holdA = gate()
    const holdB = gate()
    let calls = 0
    const { app, facilitator } = setup({ store, verifyTimeoutMs: 10, settleTimeoutMs: 10, idempotency: false }, async () => {
      calls++
      if (calls === 1) {
        await holdA.opened
        throw new Error('A fails after its lock ran out')
      }
      await holdB.opened
      return new Response('B')
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const waitFor = async (n: number) => {
      for (let i = 0; i < 100 && calls < n; i++) await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const a = app(paidRequest(PREMIUM, token))
    await waitFor(1)
    now += 10 + 10 + 60_000 + 1 // A's lock has expired: B may take it
    const b = app(paidRequest(PREMIUM, token))
    await waitFor(2)
    holdA.release()
    expect((await a).status).toBe(500) // A releases what it holds: nothing any more
    const c = await app(paidRequest(PREMIUM, token))
    expect(c.status).toBe(402)
    expect((await readPaymentRequired(c)).v2?.error).toBe('payment_in_use')
    holdB.release()
    expect((await b).status).toBe(200)
  })
})
