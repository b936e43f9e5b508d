// Idempotent paid retries: the same payment, or the same Idempotency-Key, gets the paid response again unpaid.
import { describe, expect, it } from 'vitest'
import { memoryStore } from '../store/memory.js'
import { paidRequest, readPaymentRequired, readReceipt } from '../testing/requests.js'
import { BUYER, ORIGIN, planOption, setup, usdcOption } from './test-setup.js'

const PREMIUM = `${ORIGIN}/premium`
const ASK = `${ORIGIN}/ask`
const OTHER_BUYER = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'

/** The response is kept once its body has been read to the end by the copy branch. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10))

describe('idempotent retries', () => {
  it('a retry with the same single-use payment gets the same response and is not charged again', async () => {
    let runs = 0
    const { app, facilitator, usdcBalance } = setup({}, async () => Response.json({ run: ++runs }, { headers: { 'x-custom': 'kept' } }))
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const first = await app(paidRequest(PREMIUM, token))
    expect(await first.json()).toEqual({ run: 1 })
    await settle()
    const retry = await app(paidRequest(PREMIUM, token))
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual({ run: 1 })
    expect(retry.headers.get('x-custom')).toBe('kept')
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true')
    expect(readReceipt(retry)).toEqual(readReceipt(first))
    expect(runs).toBe(1)
    expect(facilitator.settleCalls()).toHaveLength(1)
    expect(usdcBalance()).toBe(990_000n)
  })

  it('keeps the response even when the client dropped the connection mid-body', async () => {
    const { app, facilitator } = setup({}, async () => new Response('the paid answer'))
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const first = await app(paidRequest(PREMIUM, token))
    await first.body!.cancel() // the client went away after the headers
    await settle()
    const retry = await app(paidRequest(PREMIUM, token))
    expect(await retry.text()).toBe('the paid answer')
    expect(facilitator.settleCalls()).toHaveLength(1)
  })

  it('does not replay a payment on another resource', async () => {
    const { paywall, facilitator } = setup({ routes: { 'GET /premium/:id': usdcOption } })
    const app = paywall.protect(() => new Response('content'))
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await app(paidRequest(`${ORIGIN}/premium/1`, token))).status).toBe(200)
    await settle()
    const elsewhere = await app(paidRequest(`${ORIGIN}/premium/2`, token))
    expect(elsewhere.status).toBe(402)
    expect((await readPaymentRequired(elsewhere)).v2?.error).toBe('payment_already_used')
  })

  it('an Idempotency-Key replays for the same payer only, and only that key', async () => {
    let runs = 0
    const { app, facilitator, credits } = setup({}, async () => new Response(`answer ${++runs}`))
    const token = facilitator.mint({ payer: BUYER, requirements: planOption.requirements })
    const ask = (key: string, t = token) => app(paidRequest(ASK, t, { method: 'POST', headers: { 'Idempotency-Key': key } }))
    expect(await (await ask('k-1')).text()).toBe('answer 1')
    await settle()
    expect(await (await ask('k-1')).text()).toBe('answer 1')
    expect(credits()).toBe(95n)
    expect(await (await ask('k-2')).text()).toBe('answer 2')
    expect(credits()).toBe(90n)
    const stranger = facilitator.mint({ payer: OTHER_BUYER, requirements: planOption.requirements })
    expect(await (await ask('k-1', stranger)).text()).toBe('answer 3')
    expect(facilitator.settleCalls()).toHaveLength(3)
  })

  it('does not keep bodies over the limit', async () => {
    const { app, facilitator } = setup({ idempotency: { maxBodyBytes: 8 } }, async () => new Response('a body longer than eight bytes'))
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect(await (await app(paidRequest(PREMIUM, token))).text()).toBe('a body longer than eight bytes')
    await settle()
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(402)
  })

  it('forgets a kept response after its TTL', async () => {
    let now = 1_000_000
    const store = memoryStore({ now: () => now })
    const { app, facilitator } = setup({ store, idempotency: { ttlMs: 1_000 } }, async () => new Response('kept'))
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    await app(paidRequest(PREMIUM, token))
    await settle()
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
    now += 1_001
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(402)
  })

  it('keeps nothing for a failed or unpaid answer', async () => {
    let status = 500
    const { app, facilitator } = setup({}, async () => new Response('x', { status }))
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(500)
    status = 200
    const paid = await app(paidRequest(PREMIUM, token))
    expect(paid.headers.get('Idempotent-Replayed')).toBeNull()
    expect(facilitator.settleCalls()).toHaveLength(1)
  })
})
