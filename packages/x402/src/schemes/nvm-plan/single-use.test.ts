// Nevermined v3 access tokens (they carry `authorization.nonce`) settle once: the engine guards them through the plan
// scheme, so a replay is refused before the handler, or served the kept answer; v1/v2 tokens stay reusable.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPaywall } from '../../engine/paywall.js'
import type { NextHandler, PaywallOptions } from '../../engine/types.js'
import { nevermined } from '../../nevermined/facilitator.js'
import { TOKEN_ALREADY_USED } from '../../nevermined/answers.js'
import { API_KEY, encodeToken, fakeNevermined, nvmError, vector } from '../../nevermined/test-backend.js'
import { readPaymentRequired } from '../../testing/requests.js'
import { plan } from './options.js'

const backend = fakeNevermined()
beforeAll(() => backend.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => backend.reset())
afterAll(() => backend.server.close())

const ORIGIN = 'https://api.example.com'
const decoded = vector.accessTokenDecoded
const NONCE = '0x' + '5a'.repeat(32)
const v3Payload = { ...decoded, payload: { ...decoded.payload, authorization: { ...decoded.payload.authorization, nonce: NONCE } } }
const v3Token = encodeToken(v3Payload)
const v2Token: string = vector.accessToken

function setup(overrides: Partial<PaywallOptions> = {}) {
  const next = vi.fn<NextHandler>(async (_request, ctx) => Response.json({ answer: 42, planId: ctx.payment?.planId }))
  const option = plan({ planId: decoded.accepted.planId, agentId: '987654321', httpVerb: 'POST', network: 'eip155:84532' })
  const paywall = createPaywall({ routes: { 'POST /ask': option }, facilitator: nevermined({ apiKey: API_KEY }), baseUrl: ORIGIN, ...overrides })
  return { app: paywall.protect(next), next }
}

const ask = (token: string) => new Request(`${ORIGIN}/ask`, { method: 'POST', headers: { 'PAYMENT-SIGNATURE': token }, body: '{}' })

/** Nevermined settles a v3 token once; a second settle answers BCK.X402.0059. */
function settleOnce() {
  backend.next('settle', { json: vector.settleResponse })
  backend.always('settle', nvmError(400, TOKEN_ALREADY_USED, 'token already used'))
}

describe('Nevermined v3 (single-use) access tokens', () => {
  it('refuses a replay before the handler runs, with payment_already_used', async () => {
    settleOnce()
    const { app, next } = setup({ idempotency: false })
    const first = await app(ask(v3Token))
    expect(first.status).toBe(200)
    const replay = await app(ask(v3Token))
    expect(replay.status).toBe(402)
    expect((await readPaymentRequired(replay)).v2?.error).toBe('payment_already_used')
    expect(next).toHaveBeenCalledTimes(1)
    // Refused by the replay guard: Nevermined was asked to verify and settle the token once only.
    expect(backend.callsTo('verify')).toHaveLength(1)
    expect(backend.callsTo('settle')).toHaveLength(1)
  })

  it('knows the same token in another encoding (standard base64 with padding)', async () => {
    settleOnce()
    const { app, next } = setup({ idempotency: false })
    expect((await app(ask(v3Token))).status).toBe(200)
    const reencoded = btoa(JSON.stringify(v3Payload))
    expect(reencoded).not.toBe(v3Token)
    const replay = await app(ask(reencoded))
    expect((await readPaymentRequired(replay)).v2?.error).toBe('payment_already_used')
    expect(next).toHaveBeenCalledTimes(1)
  })

  it('serves the kept answer to a retry with the same token when idempotency is on (the default)', async () => {
    settleOnce()
    const { app, next } = setup()
    const first = await app(ask(v3Token))
    const body = await first.json()
    const retry = await app(ask(v3Token))
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual(body)
    expect(next).toHaveBeenCalledTimes(1)
    expect(backend.callsTo('settle')).toHaveLength(1)
  })

  it('keeps v2 tokens (no nonce) reusable: each use runs the handler and burns credits', async () => {
    const { app, next } = setup()
    expect((await app(ask(v2Token))).status).toBe(200)
    expect((await app(ask(v2Token))).status).toBe(200)
    expect(next).toHaveBeenCalledTimes(2)
    expect(backend.callsTo('settle')).toHaveLength(2)
  })
})
