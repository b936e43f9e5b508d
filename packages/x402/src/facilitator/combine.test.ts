import { describe, expect, it } from 'vitest'
import { createPaywall } from '../engine/paywall.js'
import { BUYER, ORIGIN, PLAN_ID, USDC_BASE_SEPOLIA, planOption, usdcOption } from '../engine/test-setup.js'
import { TollgateError } from '../errors.js'
import { createTestFacilitator, TEST_FACILITATOR_ADDRESS } from '../testing/facilitator.js'
import { upto } from '../requirements/options.js'
import { paidRequest } from '../testing/requests.js'
import { combineFacilitators } from './combine.js'

describe('combineFacilitators', () => {
  it('sends each offer to the facilitator of its scheme', async () => {
    const usdc = createTestFacilitator({ name: 'usdc' })
    usdc.fund(BUYER, 50_000, { asset: USDC_BASE_SEPOLIA })
    const credits = createTestFacilitator({ name: 'credits', plans: [{ planId: PLAN_ID, credits: 10 }] })
    const paywall = createPaywall({
      routes: { '/both': [planOption, usdcOption] },
      facilitator: combineFacilitators({ exact: usdc, 'nvm:erc4337': credits }),
    })
    const app = paywall.protect(() => new Response('ok'))
    const byUsdc = usdc.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const byPlan = credits.mint({ payer: BUYER, requirements: planOption.requirements })
    expect((await app(paidRequest(`${ORIGIN}/both`, byUsdc))).status).toBe(200)
    expect((await app(paidRequest(`${ORIGIN}/both`, byPlan))).status).toBe(200)
    expect(usdc.calls.map((call) => call.method)).toEqual(['verify', 'settle'])
    expect(credits.calls.map((call) => call.method)).toEqual(['verify', 'settle'])
    expect(usdc.balance(BUYER, { asset: USDC_BASE_SEPOLIA })).toBe(40_000n)
    expect(credits.balance(BUYER, { planId: PLAN_ID })).toBe(5n)
  })

  it('names the facilitator of an upto offer through the one that handles upto', () => {
    const settler = createTestFacilitator({ name: 'upto' })
    const combined = combineFacilitators({ upto: settler, exact: createTestFacilitator({ name: 'usdc' }) })
    expect(combined.offerExtra?.({ scheme: 'upto', network: 'eip155:84532' })).toEqual({ facilitatorAddress: TEST_FACILITATOR_ADDRESS })
    expect(combined.offerExtra?.({ scheme: 'exact', network: 'eip155:84532' })).toBeUndefined()
    const paywall = createPaywall({ facilitator: combined, routes: { '/g': upto({ maxPrice: '$0.05', network: 'base-sepolia', payTo: BUYER }) } })
    expect(paywall).toBeDefined()
  })

  it('an upto offer behind a combined facilitator without an upto entry fails at construction, naming what to give', () => {
    const combined = combineFacilitators({ exact: createTestFacilitator({ name: 'usdc' }) })
    const create = () => createPaywall({ facilitator: combined, routes: { '/g': upto({ maxPrice: '$0.05', network: 'base-sepolia', payTo: BUYER }) } })
    expect(create).toThrow(TollgateError)
    expect(create).toThrow('; combined(exact:usdc) names none: give upto({ facilitatorAddress }) or a facilitator that settles upto (localFacilitator, combineFacilitators({ upto })).')
  })

  it('answers 502 for a scheme nobody handles, and validates at construction', async () => {
    const paywall = createPaywall({ routes: { '/x': planOption }, facilitator: combineFacilitators({ exact: createTestFacilitator() }) })
    const token = createTestFacilitator({ plans: [{ planId: PLAN_ID }] }).mint({ payer: BUYER, requirements: planOption.requirements })
    expect((await paywall.protect(() => new Response('ok'))(paidRequest(`${ORIGIN}/x`, token))).status).toBe(502)
    expect(() => combineFacilitators({})).toThrow(TollgateError)
    expect(() => combineFacilitators({ exact: {} as never })).toThrow(/"exact" is not a Facilitator/)
  })
})
