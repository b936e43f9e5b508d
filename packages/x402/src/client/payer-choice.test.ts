// Payers are chosen by the scheme and network they declare (the scheme registry's rule), before `canPay` is asked.
import { describe, expect, it, vi } from 'vitest'
import { createPaywall } from '../engine/paywall.js'
import { defaultAsset } from '../requirements/assets.js'
import { exact, plan } from '../requirements/options.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { testPayer } from './test-support.js'
import type { Offer } from './types.js'
import { wrapFetch } from './wrap-fetch.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const PLAN_ID = '1234567890123456789'

function setup() {
  const facilitator = createTestFacilitator({ plans: [{ planId: PLAN_ID, credits: 100 }] })
  facilitator.fund(BUYER, 1_000_000n, { asset: defaultAsset('eip155:8453')!.address })
  const paywall = createPaywall({
    routes: {
      // The plan first: the server's own order of preference.
      'GET /both': [plan({ planId: PLAN_ID, network: 'eip155:84532' }), exact({ price: '$0.01', network: 'base', payTo: PAY_TO })],
    },
    facilitator,
  })
  return { facilitator, app: paywall.protect(() => Response.json({ ok: true })) }
}

describe('choosing a payer by declared scheme and network', () => {
  it('asks a payer only about offers of the schemes and networks it declares', async () => {
    const { facilitator, app } = setup()
    const base = testPayer(facilitator, BUYER, 'exact-on-base')
    const payer = { ...base, schemes: ['exact'], networks: ['eip155:8453'], canPay: vi.fn((_offer: Offer) => true) }
    const response = await wrapFetch(app, { payers: [payer], policy: (candidates) => candidates[0] })('http://localhost/both')
    expect(response.status).toBe(200)
    expect(payer.canPay).toHaveBeenCalledTimes(1)
    expect(payer.canPay.mock.calls[0]![0].requirements.scheme).toBe('exact')
    expect(base.paid.map((offer) => offer.requirements.scheme)).toEqual(['exact'])
  })

  it('refuses an offer on a network the payer does not declare, whatever canPay says', async () => {
    const { facilitator, app } = setup()
    const payer = { ...testPayer(facilitator, BUYER), schemes: ['exact'], networks: ['eip155:1'] }
    await expect(wrapFetch(app, { payers: [payer] })('http://localhost/both')).rejects.toMatchObject({ code: 'no_payable_offer' })
  })

  it('asks a payer that declares nothing about every offer, as before', async () => {
    const { facilitator, app } = setup()
    const payer = { ...testPayer(facilitator, BUYER), canPay: vi.fn((_offer: Offer) => true) }
    expect((await wrapFetch(app, { payers: [payer], policy: (candidates) => candidates[0] })('http://localhost/both')).status).toBe(200)
    expect(payer.canPay).toHaveBeenCalledTimes(2)
  })
})
