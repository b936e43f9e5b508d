// A scheme written outside the three that ship: the engine follows its contract alone (no scheme name or field of
// its own), as a new scheme folder would.
import { describe, expect, it, vi } from 'vitest'
import { encodePaymentSignature } from '../codec/headers.js'
import type { PaymentRequirements } from '../codec/types.js'
import { createPaywall } from '../engine/paywall.js'
import type { NextHandler } from '../engine/types.js'
import type { Facilitator } from '../facilitator/types.js'
import type { PaymentOption } from '../requirements/types.js'
import { readPaymentRequired, readReceipt } from '../testing/requests.js'
import type { Scheme } from './contract.js'

const NETWORK = 'tally:1'
const requirements: PaymentRequirements = { scheme: 'tally', network: NETWORK, amount: '50', asset: 'points', payTo: 'shop' }

/** Pays in points: the handler charges what it used; a ticket number makes each payment single-use. */
const tally: Scheme = {
  name: 'tally',
  schemes: ['tally'],
  networks: ['tally:*'],
  charge: 'usage',
  payer: (proof) => (proof.payload.payload as { who?: string }).who,
  replay: (proof, network) => ({ id: `tally:${network}:${String((proof.payload.payload as { ticket?: unknown }).ticket)}` }),
  checkPayload: (proof) => (typeof (proof.payload.payload as { ticket?: unknown }).ticket === 'number' ? undefined : 'no ticket number'),
  settleRequirements: (offer, amount) => ({ ...offer, amount }),
  zeroReceipt: (network) => ({ success: true, transaction: '', network, amount: '0' }),
  v1: () => false,
}
const option: PaymentOption = Object.freeze({ requirements, amount: '50', amountOnWire: true, singleUse: false, scheme: tally })

function setup(handler: NextHandler) {
  const facilitator: Facilitator = {
    name: 'tally',
    verify: vi.fn(async () => ({ isValid: true, payer: 'alice' })),
    settle: vi.fn(async (request) => ({ success: true, transaction: 't1', network: NETWORK, amount: request.requirements.amount })),
  }
  const next = vi.fn(handler)
  const paywall = createPaywall({ routes: { 'POST /work': option }, facilitator, idempotency: false })
  return { facilitator, next, app: paywall.protect(next) }
}

const work = (payload: Record<string, unknown>) =>
  new Request('https://shop.example/work', {
    method: 'POST',
    headers: { 'PAYMENT-SIGNATURE': encodePaymentSignature({ x402Version: 2, accepted: requirements, payload }) },
  })

describe('a scheme of your own', () => {
  it('settles what the handler charged, with the requirements the scheme asks for', async () => {
    const { app, facilitator } = setup((_request, ctx) => {
      expect(ctx.charged).toBe('0')
      ctx.charge(20)
      return Response.json({ ok: true })
    })
    const response = await app(work({ ticket: 1, who: 'alice' }))
    expect(response.status).toBe(200)
    expect(vi.mocked(facilitator.settle).mock.calls[0]![0].requirements.amount).toBe('20')
    expect(readReceipt(response)?.amount).toBe('20')
  })

  it('gives its own receipt when nothing was charged, without calling the facilitator to settle', async () => {
    const { app, facilitator } = setup(() => Response.json({ ok: true }))
    const response = await app(work({ ticket: 2, who: 'alice' }))
    expect(readReceipt(response)).toMatchObject({ success: true, amount: '0', network: NETWORK })
    expect(facilitator.settle).not.toHaveBeenCalled()
  })

  it('refuses a payload the scheme cannot read before asking the facilitator', async () => {
    const { app, facilitator, next } = setup(() => Response.json({ ok: true }))
    const response = await app(work({ who: 'alice' }))
    expect(response.status).toBe(402)
    expect((await readPaymentRequired(response)).v2?.error).toBe('no ticket number')
    expect(facilitator.verify).not.toHaveBeenCalled()
    expect(next).not.toHaveBeenCalled()
  })

  it('guards a payment by the identity the scheme gives it', async () => {
    const { app, next } = setup((_request, ctx) => {
      ctx.charge(1)
      return Response.json({ ok: true })
    })
    expect((await app(work({ ticket: 3, who: 'alice' }))).status).toBe(200)
    // Another encoding of the same ticket (another payer field) is the same payment.
    const replay = await app(work({ ticket: 3, who: 'bob' }))
    expect((await readPaymentRequired(replay)).v2?.error).toBe('payment_already_used')
    expect(next).toHaveBeenCalledTimes(1)
  })
})
