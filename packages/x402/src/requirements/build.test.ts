import { readVector } from '../test-support/vectors.js'
import { describe, it, expect } from 'vitest'
import { TollgateError } from '../errors.js'
import type { PaymentPayloadV1, PaymentRequirements } from '../codec/types.js'
import {
  buildPaymentRequired,
  buildRequirements,
  matchAccepted,
  matchV1,
  resolveAmount,
  toV1Body,
  toV1Requirements,
} from './build.js'
import { exact, plan } from './options.js'

const vector = readVector
const v2 = vector('x402-v2.json')
const v1 = vector('x402-v1.json')
const nevermined = vector('nevermined.json')

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const RESOURCE = { url: 'https://api.example.com/premium', description: 'Premium data', mimeType: 'application/json' }
const request = new Request('https://api.example.com/premium')

describe('the reference vectors', () => {
  it("exact() builds x402-v2.json's paymentRequired, key order included", async () => {
    const option = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })
    const accepts = [buildRequirements(option, await resolveAmount(option, request))]
    const paymentRequired = buildPaymentRequired({ resource: RESOURCE, accepts, error: 'Payment required' })
    expect(JSON.stringify(paymentRequired)).toBe(JSON.stringify(v2.paymentRequired))
  })

  it("its v1 body is x402-v1.json's body402, key order included", async () => {
    const option = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })
    const accepts = [buildRequirements(option, await resolveAmount(option, request))]
    const paymentRequired = buildPaymentRequired({ resource: RESOURCE, accepts, error: 'Payment required' })
    expect(JSON.stringify(toV1Body(paymentRequired, 'X-PAYMENT header is required'))).toBe(JSON.stringify(v1.body402))
  })

  it("plan() builds nevermined.json's accepts[0] and, with its resource, its paymentRequired", async () => {
    const option = plan({ planId: '1234567890123456789', agentId: '987654321', httpVerb: 'POST', network: 'eip155:84532' })
    const offer = buildRequirements(option, await resolveAmount(option, request))
    const expected = nevermined.paymentRequired as { accepts: unknown[]; resource: { url: string; description: string; mimeType: string } }
    expect(JSON.stringify(offer)).toBe(JSON.stringify(expected.accepts[0]))
    const paymentRequired = buildPaymentRequired({ resource: expected.resource, accepts: [offer], extensions: {} })
    expect(JSON.stringify(paymentRequired)).toBe(JSON.stringify(expected))
  })

  it("matches the v2 proof's accepted to the offer", () => {
    const offer = buildRequirements(exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }), '10000')
    const accepted = (v2.paymentPayload as { accepted: PaymentRequirements }).accepted
    expect(matchAccepted(accepted, [offer])).toBe(offer)
  })

  it("matches the v1 X-PAYMENT to the offer", () => {
    const offer = buildRequirements(exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }), '10000')
    expect(matchV1(v1.xPayment as PaymentPayloadV1, [offer])).toBe(offer)
  })

  it("matches Nevermined's token to the plan offer", () => {
    const offer = buildRequirements(plan({ planId: '1234567890123456789', agentId: '987654321', httpVerb: 'POST', network: 'eip155:84532' }), '1')
    const accepted = (nevermined.accessTokenDecoded as { accepted: PaymentRequirements }).accepted
    expect(matchAccepted(accepted, [offer])).toBe(offer)
  })
})

describe('resolveAmount', () => {
  it('returns a static amount', async () => {
    expect(await resolveAmount(plan({ planId: '1', credits: 3 }), request)).toBe('3')
  })

  it('evaluates an amount function per request, sync or async', async () => {
    const option = exact({ amount: (r) => (r.method === 'POST' ? 20000n : 10000), network: 'base', payTo: PAY_TO })
    expect(await resolveAmount(option, new Request('https://a.example/', { method: 'POST' }))).toBe('20000')
    expect(await resolveAmount(option, request)).toBe('10000')
    const credits = plan({ planId: '1', credits: async () => '7' })
    expect(await resolveAmount(credits, request)).toBe('7')
  })

  it('names the option when the function returns garbage', async () => {
    const option = exact({ amount: () => '$0.01', network: 'base-sepolia', payTo: PAY_TO })
    const error = await resolveAmount(option, request).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TollgateError)
    expect((error as TollgateError).code).toBe('invalid_price')
    expect((error as TollgateError).message).toContain(`exact on eip155:84532 to ${PAY_TO}`)
    const credits = plan({ planId: '99', credits: () => 0.5 })
    await expect(resolveAmount(credits, request)).rejects.toThrow(/nvm:erc4337 plan 99/)
    await expect(resolveAmount(plan({ planId: '99', credits: () => undefined as never }), request)).rejects.toThrow(TollgateError)
  })

  it("lets the function's own error through", async () => {
    const option = plan({ planId: '1', credits: () => { throw new Error('pricing service down') } })
    await expect(resolveAmount(option, request)).rejects.toThrow('pricing service down')
  })
})

describe('buildRequirements', () => {
  it('puts a dynamic amount where a static one would be', () => {
    const option = exact({ amount: () => '1', network: 'base-sepolia', payTo: PAY_TO })
    const offer = buildRequirements(option, '12345')
    expect(Object.keys(offer)).toEqual(['scheme', 'network', 'amount', 'asset', 'payTo', 'maxTimeoutSeconds', 'extra'])
    expect(offer.amount).toBe('12345')
  })

  it('leaves credits off the wire', () => {
    const offer = buildRequirements(plan({ planId: '1', credits: 5 }), '5')
    expect(offer).not.toHaveProperty('amount')
  })

  it('returns a fresh object the caller may change', () => {
    const option = exact({ price: '$1', network: 'base', payTo: PAY_TO })
    const offer = buildRequirements(option, '1000000')
    ;(offer.extra as Record<string, unknown>).name = 'changed'
    expect(option.requirements.extra).toEqual({ name: 'USD Coin', version: '2' })
  })
})

describe('buildPaymentRequired', () => {
  it('omits error and extensions when not given, and undefined resource fields', () => {
    const paymentRequired = buildPaymentRequired({ resource: { url: '/a' }, accepts: [{ scheme: 'exact', network: 'eip155:1' }] })
    expect(JSON.stringify(paymentRequired)).toBe('{"x402Version":2,"resource":{"url":"/a"},"accepts":[{"scheme":"exact","network":"eip155:1"}]}')
  })

  it('refuses an empty accepts', () => {
    expect(() => buildPaymentRequired({ resource: { url: '/a' }, accepts: [] })).toThrow(/at least one/)
  })
})

describe('toV1Requirements / toV1Body', () => {
  const offer = buildRequirements(exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }), '10000')

  it('defaults description and mimeType to empty strings', () => {
    const req = toV1Requirements(offer, { url: 'https://a.example/x' })
    expect(req?.description).toBe('')
    expect(req?.mimeType).toBe('')
    expect(req?.resource).toBe('https://a.example/x')
  })

  it('has no v1 form for plans or networks without a v1 name', () => {
    const planOffer = buildRequirements(plan({ planId: '1' }), '1')
    const mainnet = buildRequirements(
      exact({ amount: '1', network: 'eip155:1', payTo: PAY_TO, asset: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', extra: { name: 'USD Coin', version: '2' } }),
      '1',
    )
    expect(toV1Requirements(planOffer, RESOURCE)).toBeUndefined()
    expect(toV1Requirements(mainnet, RESOURCE)).toBeUndefined()
    const body = toV1Body(buildPaymentRequired({ resource: RESOURCE, accepts: [planOffer, offer, mainnet] }), 'X-PAYMENT header is required')
    expect(body.accepts.map((a) => a.network)).toEqual(['base-sepolia'])
  })
})

describe('matchAccepted', () => {
  const sepolia = buildRequirements(exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }), '10000')
  const base = buildRequirements(exact({ price: '$0.01', network: 'base', payTo: PAY_TO }), '10000')
  const credits = buildRequirements(plan({ planId: '5', network: 'eip155:84532' }), '1')
  const offers = [credits, base, sepolia]

  it('picks the offer with the same scheme and network', () => {
    expect(matchAccepted({ ...sepolia }, offers)).toBe(sepolia)
    expect(matchAccepted({ ...base }, offers)).toBe(base)
    expect(matchAccepted({ scheme: 'nvm:erc4337', network: 'eip155:84532', planId: '5', extra: { version: '1' } }, offers)).toBe(credits)
  })

  it('compares addresses in any case', () => {
    expect(matchAccepted({ ...sepolia, payTo: PAY_TO.toLowerCase(), asset: String(sepolia.asset).toUpperCase().replace('0X', '0x') }, offers)).toBe(sepolia)
  })

  it.each([
    ['another amount', { amount: '1' }],
    ['another payTo', { payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' }],
    ['another asset', { asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' }],
    ['another network', { network: 'eip155:43113' }],
    ['another scheme', { scheme: 'upto' }],
    ['no amount', { amount: undefined }],
    ['no payTo', { payTo: undefined }],
  ])('refuses an exact proof with %s', (_label, change) => {
    expect(matchAccepted({ ...sepolia, ...change } as PaymentRequirements, offers)).toBeUndefined()
  })

  it('refuses a plan proof for another plan', () => {
    expect(matchAccepted({ scheme: 'nvm:erc4337', network: 'eip155:84532', planId: '6' }, offers)).toBeUndefined()
  })
})

describe('matchV1', () => {
  const sepolia = buildRequirements(exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }), '10000')
  const credits = buildRequirements(plan({ planId: '5', network: 'eip155:84532' }), '1')

  it('matches by scheme and v1 network name only', () => {
    expect(matchV1({ x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload: {} }, [credits, sepolia])).toBe(sepolia)
    expect(matchV1({ x402Version: 1, scheme: 'exact', network: 'base', payload: {} }, [credits, sepolia])).toBeUndefined()
    expect(matchV1({ x402Version: 1, scheme: 'nvm:erc4337', network: 'base-sepolia', payload: {} }, [credits, sepolia])).toBeUndefined()
  })
})
