// Phase two once, in the core: session.finish(outcome) for each outcome an adapter can report.
import { describe, expect, it } from 'vitest'
import { paidRequest, readPaymentRequired, readReceipt } from '../testing/requests.js'
import { BUYER, ORIGIN, setup, usdcOption } from './test-setup.js'
import type { PaywallOptions } from './types.js'

const PREMIUM = `${ORIGIN}/premium`

async function paidSession(overrides: Partial<PaywallOptions> = {}, options: { forged?: boolean } = {}) {
  const fixture = setup(overrides)
  const { facilitator, paywall } = fixture
  const token = options.forged
    ? facilitator.forge({ payer: BUYER, requirements: usdcOption.requirements })
    : facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
  const gate = await paywall.check(paidRequest(PREMIUM, token))
  if (gate.kind !== 'paid') throw new Error(`expected a session, got ${gate.kind}`)
  return { ...fixture, session: gate.session, token }
}

describe('session.finish', () => {
  it('head 2xx: settles once and says send, with the receipt headers and the receipt object', async () => {
    const { session, facilitator, usdcBalance } = await paidSession()
    const instruction = await session.finish({ kind: 'head', status: 200 })
    expect(instruction.kind).toBe('send')
    if (instruction.kind !== 'send') return
    expect(instruction.receipt).toMatchObject({ success: true, payer: BUYER })
    expect(readReceipt(new Response(null, { headers: instruction.headers }))?.success).toBe(true)
    expect(usdcBalance()).toBe(990_000n)
    expect(facilitator.settleCalls()).toHaveLength(1)
  })

  it('head non-2xx: settles nothing, sends the answer without a receipt, releases the payment', async () => {
    const { session, facilitator, paywall, token, events } = await paidSession()
    expect(await session.finish({ kind: 'head', status: 404 })).toEqual({ kind: 'send', headers: {} })
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(events.at(-1)).toMatchObject({ type: 'handler.passthrough', status: 404 })
    expect((await paywall.check(paidRequest(PREMIUM, token))).kind).toBe('paid')
  })

  it('undelivered: settles nothing, sends the answer as it is, releases the payment', async () => {
    const { session, facilitator, paywall, token } = await paidSession()
    expect(await session.finish({ kind: 'undelivered' })).toEqual({ kind: 'send', headers: {} })
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect((await paywall.check(paidRequest(PREMIUM, token))).kind).toBe('paid')
  })

  it('threw: replaces the answer with a 500 and releases the payment; answered: the framework answer is sent', async () => {
    const { session, facilitator, paywall, token, events } = await paidSession()
    const instruction = await session.finish({ kind: 'threw', error: new Error('secret detail') })
    if (instruction.kind !== 'replace') throw new Error(`expected replace, got ${instruction.kind}`)
    expect(instruction.response.status).toBe(500)
    expect(await instruction.response.text()).not.toContain('secret detail')
    expect(events.at(-1)).toMatchObject({ type: 'handler.error', status: 500 })
    const again = await paywall.check(paidRequest(PREMIUM, token))
    if (again.kind !== 'paid') throw new Error('the payment was not released')
    expect(await again.session.finish({ kind: 'threw', error: new Error('x'), answered: true })).toEqual({ kind: 'send', headers: {} })
    expect(facilitator.settleCalls()).toHaveLength(0)
  })

  it('threw while a speculative payment is being refused: answers the refusal (402), not a 500', async () => {
    const { session, facilitator } = await paidSession({ verifyTimeoutMs: 1000 }, { forged: true })
    const instruction = await session.finish({ kind: 'threw', error: new Error('handler gave up') })
    if (instruction.kind !== 'replace') throw new Error(`expected replace, got ${instruction.kind}`)
    expect(instruction.response.status).toBe(402)
    expect((await readPaymentRequired(instruction.response)).v2?.error).toBe('invalid_signature')
    expect(session.ctx.signal?.aborted).toBe(true)
    expect(facilitator.settleCalls()).toHaveLength(0)
  })

  it('head on a speculative run waits for verification: a refused payment replaces the answer', async () => {
    const { session, facilitator } = await paidSession({}, { forged: true })
    const instruction = await session.finish({ kind: 'head', status: 200 })
    expect(instruction.kind === 'replace' && instruction.response.status).toBe(402)
    expect(facilitator.settleCalls()).toHaveLength(0)
  })

  it('left: cuts, settles nothing and releases the payment', async () => {
    const { session, facilitator, paywall, token, events } = await paidSession()
    expect(await session.finish({ kind: 'left' })).toEqual({ kind: 'cut' })
    expect(events.find((event) => event.type === 'client.aborted')).toMatchObject({ status: 499 })
    expect(await session.finish({ kind: 'head', status: 200 })).toEqual({ kind: 'cut' })
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect((await paywall.check(paidRequest(PREMIUM, token))).kind).toBe('paid')
  })

  it('called twice: the first instruction again, settled once', async () => {
    const { session, facilitator } = await paidSession()
    const [first, second] = await Promise.all([session.finish({ kind: 'head', status: 200 }), session.finish({ kind: 'head', status: 200 })])
    expect(second).toBe(first)
    expect(await session.finish({ kind: 'head', status: 500 })).toBe(first)
    expect(facilitator.settleCalls()).toHaveLength(1)
  })

  it('a throw or a departure after the head: cut (the answer is already on its way)', async () => {
    const { session, facilitator } = await paidSession()
    const sent = await session.finish({ kind: 'head', status: 200 })
    expect(sent.kind).toBe('send')
    expect(await session.finish({ kind: 'threw', error: new Error('late') })).toEqual({ kind: 'cut' })
    expect(await session.finish({ kind: 'left' })).toEqual({ kind: 'cut' })
    expect(facilitator.settleCalls()).toHaveLength(1)
  })

  it('a threw before any head, then a head: the first instruction (the 500) stands', async () => {
    const { session, facilitator } = await paidSession()
    const first = await session.finish({ kind: 'threw', error: new Error('boom') })
    expect(await session.finish({ kind: 'head', status: 200 })).toBe(first)
    expect(facilitator.settleCalls()).toHaveLength(0)
  })

  it('a failed settlement replaces the answer with a 402 carrying the failed receipt', async () => {
    const { session, facilitator } = await paidSession()
    facilitator.fail('settle', { type: 'settle-failure', reason: 'insufficient_funds' })
    const instruction = await session.finish({ kind: 'head', status: 200 })
    if (instruction.kind !== 'replace') throw new Error(`expected replace, got ${instruction.kind}`)
    expect(instruction.response.status).toBe(402)
    expect(instruction.receipt).toMatchObject({ success: false, errorReason: 'insufficient_funds' })
    expect((await readPaymentRequired(instruction.response)).v2?.error).toBe('insufficient_funds')
  })
})
