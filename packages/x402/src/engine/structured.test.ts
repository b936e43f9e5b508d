// The structured entry: the payment as an object in, objects out, on the same path as HTTP.
import { describe, expect, it } from 'vitest'
import { decodePaymentSignature } from '../codec/headers.js'
import { BUYER, ORIGIN, setup, usdcOption } from './test-setup.js'
import type { PaymentCheck } from './structured-types.js'
import { checkPayment } from './structured.js'

// '/both' takes any method: a POST is verified before the work starts (no speculative run).
const PREMIUM = `${ORIGIN}/both`

function fixture() {
  const base = setup()
  const mint = () => {
    const decoded = decodePaymentSignature(base.facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements }))
    if (!decoded.ok) throw decoded.error
    return decoded.value as unknown as Record<string, unknown>
  }
  const check = (payment: unknown) => checkPayment(base.paywall, { resource: PREMIUM, method: 'POST', payment })
  return { ...base, mint, check }
}

function expectRefused(check: PaymentCheck) {
  if (check.kind !== 'refused') throw new Error(`expected a refusal, got ${check.kind}`)
  return check
}

describe('checkPayment', () => {
  it('no payment: the PaymentRequired object, as the 402 header carries it', async () => {
    const { check } = fixture()
    const result = await check(undefined)
    if (result.kind !== 'payment-required') throw new Error(`expected payment-required, got ${result.kind}`)
    expect(result.paymentRequired).toMatchObject({ x402Version: 2, error: 'Payment required', resource: { url: PREMIUM } })
    expect(result.paymentRequired.accepts.map((offer) => offer.scheme)).toContain('exact')
  })

  it('a route that is not priced is free', async () => {
    const { paywall } = fixture()
    expect((await checkPayment(paywall, { resource: `${ORIGIN}/free`, payment: undefined })).kind).toBe('free')
  })

  it.each([
    [{ x402Version: 2, accepted: 'no' }, 'malformed_payment'],
    [42, 'malformed_payment'],
    [null, 'malformed_payment'],
    [{ x402Version: 3 }, 'unsupported_version'],
    [{ x402Version: 2, big: 'x'.repeat(20_000) }, 'header_too_large'],
    ['not base64 at all', 'malformed_payment'],
  ])('a malformed payment %# is refused with its reason and what to pay again', async (payment, reason) => {
    const { check, facilitator } = fixture()
    const refused = expectRefused(await check(payment))
    expect(refused.reason).toBe(reason)
    expect(refused.error.status).toBe(402)
    expect(refused.paymentRequired).toMatchObject({ x402Version: 2, error: reason })
    expect(facilitator.verifyCalls()).toHaveLength(0)
  })

  it('a valid payment: a session whose finish gives the receipt as an object, then a replay is refused', async () => {
    const { check, mint, usdcBalance, events } = fixture()
    const payment = mint()
    const result = await check(payment)
    if (result.kind !== 'paid') throw new Error(`expected a session, got ${result.kind}`)
    expect(result.session.payment.payer).toBe(BUYER)
    const instruction = await result.session.finish({ kind: 'head', status: 200 })
    expect(instruction).toEqual({ kind: 'send', receipt: expect.objectContaining({ success: true, payer: BUYER }) })
    expect(usdcBalance()).toBe(990_000n)
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['verify.start', 'verify.valid', 'settle.success']))
    const replay = expectRefused(await check(payment))
    expect(replay.reason).toBe('payment_already_used')
  })

  it('undelivered: nothing is charged and the payment stays usable', async () => {
    const { check, mint, facilitator } = fixture()
    const payment = mint()
    const first = await check(payment)
    if (first.kind !== 'paid') throw new Error('expected a session')
    expect(await first.session.finish({ kind: 'undelivered' })).toEqual({ kind: 'send' })
    expect((await check(payment)).kind).toBe('paid')
    expect(facilitator.settleCalls()).toHaveLength(0)
  })

  it('the facilitator down: a refusal with its code and status, and the requirements to pay again', async () => {
    const { check, mint, facilitator } = fixture()
    facilitator.fail('verify', { type: 'throw' })
    const refused = expectRefused(await check(mint()))
    expect(refused.error.code).toBe('facilitator_error')
    expect(refused.error.status).toBe(502)
    expect(refused.paymentRequired).toMatchObject({ x402Version: 2, error: 'facilitator_error' })
    expect(refused.paymentRequired?.accepts).toHaveLength(2)
  })

  it('a failed settlement: replace, with the refusal to pay again and the failed receipt', async () => {
    const { check, mint, facilitator } = fixture()
    const result = await check(mint())
    if (result.kind !== 'paid') throw new Error('expected a session')
    facilitator.fail('settle', { type: 'settle-failure', reason: 'insufficient_funds' })
    const instruction = await result.session.finish({ kind: 'head', status: 200 })
    if (instruction.kind !== 'replace') throw new Error(`expected replace, got ${instruction.kind}`)
    expect(instruction.refusal.paymentRequired?.error).toBe('insufficient_funds')
    expect(instruction.receipt).toMatchObject({ success: false, errorReason: 'insufficient_funds' })
  })

  it('the token the facilitator sees is the object encoded once, as a header would carry it', async () => {
    const { check, facilitator } = fixture()
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const decoded = decodePaymentSignature(token)
    if (!decoded.ok) throw decoded.error
    const result = await check(decoded.value)
    expect(result.kind).toBe('paid')
    expect(facilitator.verifyCalls()[0]?.request.token).toBe(token)
  })
})
