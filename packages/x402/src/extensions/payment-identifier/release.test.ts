// A payment id names a purchase (specs/extensions/payment_identifier.md): when the payment that bound it ends with
// nothing charged, the id is free again, so that the buyer's retry with a new payment and the same id is served and
// charged once. A payment that settled (or was kept for a later settlement) keeps its id.
import { describe, expect, it } from 'vitest'
import { BUYER, ORIGIN, setup, usdcOption } from '../../engine/test-setup.js'
import type { TestFacilitator } from '../../testing/index.js'
import type { PaywallOptions } from '../../engine/types.js'
import { paidRequest, readPaymentRequired } from '../../testing/requests.js'
import { PAYMENT_ID_SCHEMA, paymentIdentifier } from './index.js'

const PREMIUM = `${ORIGIN}/premium`
const ID = 'pay_0f3c2b1a998877665544332211aabbcc'
const extensions = { 'payment-identifier': { info: { required: true, id: ID }, schema: PAYMENT_ID_SCHEMA } }

type Mode = 'ok' | 'throw' | '500' | 'leave'

function paywallWith(overrides: Partial<PaywallOptions> = {}) {
  let mode: Mode = 'ok'
  let controller = new AbortController()
  let runs = 0
  const fixture = setup({ routes: { 'GET /premium': { accepts: usdcOption, extensions: [paymentIdentifier({ required: true })] } }, ...overrides }, async () => {
    if (mode === 'throw') throw new Error('boom')
    if (mode === '500') return new Response('no', { status: 500 })
    if (mode === 'leave') controller.abort()
    return Response.json({ run: ++runs })
  })
  const pay = () => {
    controller = new AbortController()
    const token = fixture.facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions })
    return fixture.app(paidRequest(PREMIUM, token, { signal: controller.signal }))
  }
  return { ...fixture, pay, setMode: (next: Mode) => (mode = next), runs: () => runs }
}

/** How the first payment ends with nothing charged, and the status it answers. */
const refusals: [string, Partial<PaywallOptions>, (f: TestFacilitator, setMode: (mode: Mode) => void) => void, number][] = [
  ['verification refuses it', {}, (f) => f.fail('verify', { type: 'invalid' }, { times: 1 }), 402],
  ['verification refuses it (not speculative)', { speculative: false }, (f) => f.fail('verify', { type: 'invalid' }, { times: 1 }), 402],
  ['the facilitator errs', { speculative: false }, (f) => f.fail('verify', { type: 'throw' }, { times: 1 }), 502],
  ['verification times out', { speculative: false, verifyTimeoutMs: 30 }, (f) => f.fail('verify', { type: 'hang' }, { times: 1 }), 504],
  ['the client leaves', {}, (_f, setMode) => setMode('leave'), 499],
  ['the handler throws', {}, (_f, setMode) => setMode('throw'), 500],
  ['the handler answers non-2xx', {}, (_f, setMode) => setMode('500'), 500],
  ['the settlement fails', {}, (f) => f.fail('settle', { type: 'settle-failure', reason: 'insufficient_funds' }, { times: 1 }), 402],
  ['the settlement errs', {}, (f) => f.fail('settle', { type: 'throw' }, { times: 1 }), 502],
]

describe('payment-identifier: an id whose payment charged nothing is free again', () => {
  it.each(refusals)('when %s: a new payment with the same id is served and charged once', async (_name, overrides, fault, status) => {
    const { pay, facilitator, setMode, usdcBalance, runs } = paywallWith(overrides)
    fault(facilitator, setMode)
    expect((await pay()).status).toBe(status)
    expect(usdcBalance()).toBe(1_000_000n)
    setMode('ok')
    const retry = await pay()
    expect(retry.status).toBe(200)
    expect(retry.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await retry.json()).toEqual({ run: runs() })
    expect(usdcBalance()).toBe(990_000n)
  })

  it('an id whose payment settled still conflicts with a new payment', async () => {
    const { pay, usdcBalance } = paywallWith()
    expect((await pay()).status).toBe(200)
    const conflict = await pay()
    expect(conflict.status).toBe(409)
    expect(await conflict.json()).toMatchObject({ error: 'payment_id_conflict' })
    expect(usdcBalance()).toBe(990_000n)
  })

  it("an id whose payment was kept for a later settlement (onSettleFailure: 'deliver') stays bound", async () => {
    const { pay, facilitator } = paywallWith({ onSettleFailure: 'deliver' })
    facilitator.fail('settle', { type: 'throw' }, { times: 1 })
    expect((await pay()).status).toBe(200)
    expect((await pay()).status).toBe(409)
  })

  it('a second request with the same payment while the first holds it does not free the first one\'s id', async () => {
    const { facilitator, app, usdcBalance } = paywallWith({ speculative: false })
    facilitator.fail('verify', { type: 'delay', ms: 50 }, { times: 1 })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions })
    const first = app(paidRequest(PREMIUM, token))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect((await readPaymentRequired(await app(paidRequest(PREMIUM, token)))).v2?.error).toBe('payment_in_use')
    expect((await first).status).toBe(200)
    const other = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions })
    expect((await app(paidRequest(PREMIUM, other))).status).toBe(409)
    expect(usdcBalance()).toBe(990_000n)
  })
})
