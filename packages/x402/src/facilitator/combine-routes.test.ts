import { describe, expect, it } from 'vitest'
import { createPaywall } from '../engine/paywall.js'
import { BUYER, ORIGIN, PLAN_ID, USDC_BASE_SEPOLIA, planOption, usdcOption } from '../engine/test-setup.js'
import { TollgateError } from '../errors.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { paidRequest } from '../testing/requests.js'
import { combineFacilitators } from './combine.js'
import type { Facilitator, PaymentKind, VerifyRequest } from './types.js'

const SOLANA = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'

/** A facilitator that only records which offers reach it. */
function recorder(name: string, kinds: PaymentKind[] = []): Facilitator & { seen: string[] } {
  const seen: string[] = []
  return {
    name,
    seen,
    verify: async (request) => (seen.push(`verify ${request.requirements.scheme} ${request.requirements.network}`), { isValid: true }),
    settle: async (request) => (seen.push(`settle ${request.requirements.scheme} ${request.requirements.network}`), { success: true, transaction: '0x1', network: request.requirements.network }),
    offerExtra: (kind) => ({ routedTo: `${name} ${kind.network}` }),
    supported: async () => kinds,
  }
}

const ask = (scheme: string, network: string) => ({ requirements: { scheme, network } }) as unknown as VerifyRequest

describe('combineFacilitators with scheme and network entries', () => {
  it('sends an EVM exact and a Solana exact to different facilitators', async () => {
    const evm = recorder('evm')
    const solana = recorder('solana')
    const combined = combineFacilitators([
      { scheme: 'exact', network: 'eip155:*', facilitator: evm },
      { scheme: 'exact', network: 'solana:*', facilitator: solana },
    ])
    await combined.verify(ask('exact', 'eip155:84532'), AbortSignal.timeout(1000))
    await combined.settle({ ...ask('exact', SOLANA), verification: { isValid: true } }, AbortSignal.timeout(1000))
    expect(evm.seen).toEqual(['verify exact eip155:84532'])
    expect(solana.seen).toEqual([`settle exact ${SOLANA}`])
    expect(combined.offerExtra?.({ scheme: 'exact', network: SOLANA })).toEqual({ routedTo: `solana ${SOLANA}` })
    expect(combined.covers({ scheme: 'exact', network: 'eip155:1' })).toBe(true)
    expect(combined.covers({ scheme: 'upto', network: 'eip155:1' })).toBe(false)
  })

  it('gives an offer to the narrowest entry that covers it, whatever the order', async () => {
    const anyChain = recorder('any')
    const evm = recorder('evm')
    const sepolia = recorder('sepolia')
    const combined = combineFacilitators([
      { scheme: 'exact', network: '*', facilitator: anyChain },
      { scheme: 'exact', network: 'eip155:*', facilitator: evm },
      { scheme: 'exact', network: 'base-sepolia', facilitator: sepolia },
    ])
    for (const network of ['eip155:84532', 'eip155:8453', SOLANA]) await combined.verify(ask('exact', network), AbortSignal.timeout(1000))
    expect(sepolia.seen).toEqual(['verify exact eip155:84532'])
    expect(evm.seen).toEqual(['verify exact eip155:8453'])
    expect(anyChain.seen).toEqual([`verify exact ${SOLANA}`])
    expect(combined.routes.map((route) => route.network)).toEqual(['eip155:84532', 'eip155:*', '*'])
  })

  it('refuses, when the paywall is created, an offer no entry covers, naming the offer and the entries', () => {
    const combined = combineFacilitators([{ scheme: 'exact', network: 'solana:*', facilitator: createTestFacilitator({ name: 'sol' }) }])
    let caught: unknown
    try {
      createPaywall({ facilitator: combined, routes: { '/x': usdcOption } })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(TollgateError)
    expect((caught as TollgateError).code).toBe('unsupported_payment_kind')
    expect((caught as TollgateError).message).toBe(
      "No facilitator of combined(exact@solana:*:sol) handles exact on eip155:84532: its entries are exact on solana:*. Add { scheme: 'exact', network: 'eip155:84532', facilitator } to combineFacilitators.",
    )
  })

  it('answers 502 at verify for an offer it was never shown, with the same words', async () => {
    const combined = combineFacilitators([{ scheme: 'exact', network: 'eip155:8453', facilitator: recorder('base') }])
    await expect(combined.verify(ask('exact', 'eip155:84532'), AbortSignal.timeout(1000))).rejects.toMatchObject({
      code: 'facilitator_error',
      status: 502,
      message: expect.stringContaining('handles exact on eip155:84532: its entries are exact on eip155:8453'),
    })
  })

  it('takes payments end to end: USDC and credits on one route', async () => {
    const usdc = createTestFacilitator({ name: 'usdc' })
    usdc.fund(BUYER, 50_000, { asset: USDC_BASE_SEPOLIA })
    const credits = createTestFacilitator({ name: 'credits', plans: [{ planId: PLAN_ID, credits: 10 }] })
    const paywall = createPaywall({
      routes: { '/both': [planOption, usdcOption] },
      facilitator: combineFacilitators([
        { scheme: 'exact', network: 'eip155:84532', facilitator: usdc },
        { scheme: 'nvm:erc4337', network: '*', facilitator: credits },
      ]),
    })
    const app = paywall.protect(() => new Response('ok'))
    expect((await app(paidRequest(`${ORIGIN}/both`, usdc.mint({ payer: BUYER, requirements: usdcOption.requirements })))).status).toBe(200)
    expect((await app(paidRequest(`${ORIGIN}/both`, credits.mint({ payer: BUYER, requirements: planOption.requirements })))).status).toBe(200)
    expect(usdc.balance(BUYER, { asset: USDC_BASE_SEPOLIA })).toBe(40_000n)
    expect(credits.balance(BUYER, { planId: PLAN_ID })).toBe(5n)
  })

  it('lists what each member supports where its entry routes it, wildcards narrowed to the entry', async () => {
    const evm = recorder('evm', [
      { x402Version: 2, scheme: 'exact', network: 'eip155:84532' },
      { x402Version: 2, scheme: 'exact', network: 'eip155:8453' },
      { x402Version: 1, scheme: 'exact', network: 'base-sepolia' },
      { x402Version: 2, scheme: 'upto', network: 'eip155:84532' },
    ])
    const sepolia = recorder('sepolia', [{ x402Version: 2, scheme: 'exact', network: 'eip155:*' }])
    const solana = recorder('solana', [
      { x402Version: 2, scheme: 'exact', network: SOLANA },
      { x402Version: 1, scheme: 'exact', network: 'solana' },
    ])
    const combined = combineFacilitators([
      { scheme: 'exact', network: 'eip155:*', facilitator: evm },
      { scheme: 'exact', network: 'eip155:84532', facilitator: sepolia },
      { scheme: 'exact', network: 'solana:*', facilitator: solana },
    ])
    expect(await combined.supported?.(AbortSignal.timeout(1000))).toEqual([
      { x402Version: 2, scheme: 'exact', network: 'eip155:84532' },
      { x402Version: 2, scheme: 'exact', network: 'eip155:8453' },
      { x402Version: 2, scheme: 'exact', network: SOLANA },
      { x402Version: 1, scheme: 'exact', network: 'solana' },
    ])
  })

  it('validates its entries when constructed', () => {
    const f = createTestFacilitator()
    expect(() => combineFacilitators([])).toThrow(/give at least one entry/)
    expect(() => combineFacilitators([{ scheme: 'exact', network: 'evm', facilitator: f }])).toThrow(/routes\[0\]\.network: "evm" is not a network pattern/)
    expect(() => combineFacilitators([{ scheme: 'exact', network: 'eip155:8*', facilitator: f }])).toThrow(TollgateError)
    expect(() => combineFacilitators([{ scheme: '', network: '*', facilitator: f }])).toThrow(/routes\[0\]\.scheme/)
    expect(() => combineFacilitators([{ scheme: 'exact', network: '*', facilitator: {} as never }])).toThrow(/"exact" is not a Facilitator/)
    expect(() =>
      combineFacilitators([
        { scheme: 'exact', network: 'base', facilitator: f },
        { scheme: 'exact', network: 'eip155:8453', facilitator: f },
      ]),
    ).toThrow('combineFacilitators: routes[0] and routes[1] both handle exact on eip155:8453.')
  })

  it('keeps the scheme-only form: any network, and no refusal at creation (an uncovered offer answers 502 at verify)', () => {
    const combined = combineFacilitators({ exact: createTestFacilitator({ name: 'usdc' }) })
    expect(combined.covers({ scheme: 'exact', network: SOLANA })).toBe(true)
    expect(combined.routes).toEqual([{ scheme: 'exact', network: '*', facilitator: expect.anything() }])
    expect(() => createPaywall({ facilitator: combined, routes: { '/x': planOption } })).not.toThrow()
  })
})
