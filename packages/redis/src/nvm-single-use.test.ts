// Nevermined v3 access tokens (`authorization.nonce`) settle once: two instances sharing a Redis refuse a replay
// before the handler runs, or serve the kept answer; a v2 token (no nonce) stays reusable on both.
import { plan, type Facilitator, type SettleRequest, type VerifyRequest } from '@tollgate/x402'
import { readPaymentRequired } from '@tollgate/x402/testing'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { BUYER, sharedFacilitator, startInstance, type Instance } from './testing/instances.js'
import { startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

let redis: RedisServer
const instances: Instance[] = []

setupOnce(async () => {
  redis = await startRedisServer()
})

afterAll(async () => {
  for (const instance of instances) await instance.kill()
  await redis?.stop()
})

const PLAN_ID = '1234567890123456789'
const planOption = plan({ planId: PLAN_ID, network: 'eip155:84532' })

/** A Nevermined access token as the backend issues it; `nonce` makes it a v3 (single-use) one. */
function accessToken(nonce?: string): string {
  const authorization: Record<string, unknown> = { from: BUYER, sessionKeysProvider: 'zerodev', sessionKeys: [] }
  if (nonce !== undefined) authorization.nonce = nonce
  const payload = { x402Version: 2, accepted: planOption.requirements, payload: { signature: '0x' + '11'.repeat(65), authorization }, extensions: {} }
  return btoa(JSON.stringify(payload)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Nevermined as seen from the engine: every token verifies; a v3 token settles once, as the backend allows. */
function fakeNevermined() {
  const spent = new Set<string>()
  const verify = vi.fn(async (_request: VerifyRequest) => ({ isValid: true, payer: BUYER }))
  const settle = vi.fn(async (request: SettleRequest) => {
    const nonce = (request.proof.payload.payload as { authorization?: { nonce?: string } }).authorization?.nonce
    if (nonce !== undefined && spent.has(nonce)) return { success: false, errorReason: 'BCK.X402.0059', transaction: '', network: 'eip155:84532' }
    if (nonce !== undefined) spent.add(nonce)
    return { success: true, transaction: '0x' + 'ab'.repeat(32), network: 'eip155:84532', payer: BUYER }
  })
  const facilitator: Facilitator = { name: 'nevermined', verify, settle, perRequestVerification: true }
  return { facilitator, verify, settle }
}

async function pair(name: string, idempotency: boolean) {
  const nvm = fakeNevermined()
  const handler = vi.fn(() => Response.json({ content: 'premium' }))
  const paywall = { routes: { 'GET /premium': planOption }, facilitator: nvm.facilitator, ...(idempotency ? {} : { idempotency: false as const }) }
  const a = await startInstance({ name: `${name}-a`, redis, facilitator: sharedFacilitator(), handler, paywall })
  const b = await startInstance({ name: `${name}-b`, redis, facilitator: sharedFacilitator(), handler, paywall })
  instances.push(a, b)
  return { a, b, handler, ...nvm }
}

describe('Nevermined v3 tokens on a shared Redis', () => {
  it('refuses a v3 token on the other instance once used, before its handler runs (payment_already_used)', async () => {
    const { a, b, handler, settle } = await pair('v3', false)
    const token = accessToken('0x' + '01'.repeat(32))
    expect((await a.pay(token)).status).toBe(200)
    const replay = await b.pay(token)
    expect(replay.status).toBe(402)
    expect((await readPaymentRequired(replay)).v2?.error).toBe('payment_already_used')
    expect(handler).toHaveBeenCalledTimes(1)
    expect(settle).toHaveBeenCalledTimes(1)
  })

  it('serves the kept answer to a v3 retry on the other instance when idempotency is on', async () => {
    const { a, b, handler, settle } = await pair('v3-idem', true)
    const token = accessToken('0x' + '02'.repeat(32))
    expect((await a.pay(token)).status).toBe(200)
    const retry = await b.pay(token)
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual({ content: 'premium' })
    expect(handler).toHaveBeenCalledTimes(1)
    expect(settle).toHaveBeenCalledTimes(1)
  })

  it('keeps a v2 token (no nonce) reusable on both instances', async () => {
    const { a, b, handler, settle } = await pair('v2', true)
    const token = accessToken()
    expect((await a.pay(token)).status).toBe(200)
    expect((await b.pay(token)).status).toBe(200)
    expect(handler).toHaveBeenCalledTimes(2)
    expect(settle).toHaveBeenCalledTimes(2)
  })
})
