// The two-phase API adapters use: check() then session.settle(), fail() or abort().
import { describe, expect, it } from 'vitest'
import { paidRequest, readReceipt, unpaidRequest } from '../testing/requests.js'
import { BUYER, ORIGIN, setup, usdcOption } from './test-setup.js'

const PREMIUM = `${ORIGIN}/premium`

describe('check / session', () => {
  it('answers unpaid and free requests at once', async () => {
    const { paywall } = setup()
    const unpaid = await paywall.check(unpaidRequest(PREMIUM))
    expect(unpaid.kind).toBe('respond')
    if (unpaid.kind === 'respond') expect(unpaid.response.status).toBe(402)
    expect((await paywall.check(unpaidRequest(`${ORIGIN}/free`))).kind).toBe('free')
  })

  it('settles a 2xx and hands back the headers to add', async () => {
    const { paywall, facilitator, usdcBalance } = setup()
    const gate = await paywall.check(paidRequest(PREMIUM, facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })))
    if (gate.kind !== 'paid') throw new Error(`expected a session, got ${gate.kind}`)
    expect(gate.session.payment.payer).toBe(BUYER)
    const outcome = await gate.session.settle(201)
    expect(outcome.ok).toBe(true)
    if (!outcome.ok) return
    expect(outcome.headers['Cache-Control']).toBe('private')
    expect(readReceipt(new Response(null, { headers: outcome.headers }))?.success).toBe(true)
    expect(usdcBalance()).toBe(990_000n)
  })

  it('fail() answers 500 and releases the payment; abort() releases it too', async () => {
    const { paywall, facilitator } = setup()
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const first = await paywall.check(paidRequest(PREMIUM, token))
    if (first.kind !== 'paid') throw new Error('expected a session')
    expect(first.session.fail(new Error('boom')).status).toBe(500)
    const second = await paywall.check(paidRequest(PREMIUM, token))
    if (second.kind !== 'paid') throw new Error('the payment was not released after fail()')
    second.session.abort()
    const third = await paywall.check(paidRequest(PREMIUM, token))
    expect(third.kind).toBe('paid')
    expect(facilitator.settleCalls()).toHaveLength(0)
  })

  it('a non-2xx status settles nothing and adds no receipt', async () => {
    const { paywall, facilitator } = setup()
    const gate = await paywall.check(paidRequest(PREMIUM, facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })))
    if (gate.kind !== 'paid') throw new Error('expected a session')
    expect(await gate.session.settle(404)).toEqual({ ok: true, headers: {} })
    expect(facilitator.settleCalls()).toHaveLength(0)
  })
})
