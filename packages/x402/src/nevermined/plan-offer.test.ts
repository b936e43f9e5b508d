// The facilitator's plan offers: the key's network by default, and plans resolved from the backend once.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPaywall } from '../engine/paywall.js'
import { TollgateError } from '../errors.js'
import { readPaymentRequired } from '../testing/requests.js'
import { rejection } from '../test-support/rejection.js'
import { nevermined } from './facilitator.js'
import { API_KEY, BACKEND, fakeNevermined, nvmError, vector } from './test-backend.js'

const backend = fakeNevermined()
const staging = fakeNevermined('https://api.live.nevermined.dev/')
beforeAll(() => backend.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  backend.reset()
  backend.server.resetHandlers()
  vi.unstubAllEnvs()
})
afterAll(() => backend.server.close())

const JWT = API_KEY.slice(API_KEY.indexOf(':') + 1)
const PLAN: string = vector.paymentRequired.accepts[0].planId
const cardPlan = { registry: { price: { isCrypto: false } }, metadata: { plan: { fiatPaymentProvider: 'braintree' } } }

describe('nevermined().plan()', () => {
  it.each([
    ['sandbox', 'eip155:84532'],
    ['sandbox-staging', 'eip155:84532'],
    ['live', 'eip155:8453'],
    ['live-staging', 'eip155:8453'],
  ])('defaults the network of a %s key to %s, whatever NVM_ENVIRONMENT says', (prefix, network) => {
    vi.stubEnv('NVM_ENVIRONMENT', prefix.startsWith('live') ? 'sandbox' : 'live')
    const nvm = nevermined({ apiKey: `${prefix}:${JWT}` })
    expect(nvm.plan({ planId: PLAN }).requirements.network).toBe(network)
  })

  it('keeps an explicit network, and card plans on their provider', () => {
    const nvm = nevermined({ apiKey: `live:${JWT}` })
    expect(nvm.plan({ planId: PLAN, network: 'eip155:84532' }).requirements.network).toBe('eip155:84532')
    expect(nvm.plan({ planId: PLAN, scheme: 'nvm:card-delegation' }).requirements.network).toBe('stripe')
  })

  it('checks the plan options as plan() does', () => {
    expect(() => nevermined({ apiKey: API_KEY }).plan({ planId: 'abc' })).toThrowError(TollgateError)
  })
})

describe('nevermined().planOffer()', () => {
  it('reads a crypto plan once, publicly, and offers nvm:erc4337 on the key’s network', async () => {
    const nvm = nevermined({ apiKey: API_KEY })
    const first = await nvm.planOffer(PLAN, { agentId: '987654321', credits: 2 })
    const second = await nvm.planOffer(PLAN)
    expect(first.requirements).toEqual({ scheme: 'nvm:erc4337', network: 'eip155:84532', planId: PLAN, extra: { version: '1', agentId: '987654321' } })
    expect(first.amount).toBe('2')
    expect(second.requirements.network).toBe('eip155:84532')
    const calls = backend.callsTo('plan')
    expect(calls).toHaveLength(1)
    expect(calls[0]?.url).toBe(`${BACKEND}api/v1/protocol/plans/${PLAN}`)
    expect(calls[0]?.method).toBe('GET')
    expect(calls[0]?.headers).not.toHaveProperty('authorization')
    expect(calls[0]?.headers['nevermined-version']).toBe('1.1')
  })

  it('offers a card-delegation plan on its provider with no network written by hand', async () => {
    backend.next('plan', { json: cardPlan })
    const offer = await nevermined({ apiKey: API_KEY }).planOffer(PLAN)
    expect(offer.requirements).toMatchObject({ scheme: 'nvm:card-delegation', network: 'braintree', planId: PLAN })
  })

  it('defaults a card plan without a provider to stripe', async () => {
    backend.next('plan', { json: { registry: { price: { isCrypto: false } } } })
    expect((await nevermined({ apiKey: API_KEY }).planOffer(PLAN)).requirements.network).toBe('stripe')
  })

  it('puts a live-staging key’s plan on Base, read from the staging backend', async () => {
    backend.server.use(...staging.server.listHandlers())
    const offer = await nevermined({ apiKey: `live-staging:${JWT}` }).planOffer(PLAN)
    expect(offer.requirements.network).toBe('eip155:8453')
    expect(staging.callsTo('plan')[0]?.url).toBe(`https://api.live.nevermined.dev/api/v1/protocol/plans/${PLAN}`)
  })

  it('skips the backend when scheme and network are both given', async () => {
    const offer = await nevermined({ apiKey: API_KEY }).planOffer(PLAN, { scheme: 'nvm:card-delegation', network: 'visa' })
    expect(offer.requirements.network).toBe('visa')
    expect(backend.callsTo('plan')).toHaveLength(0)
  })

  it('refuses an unknown plan with invalid_payment_option, and asks again after a failure', async () => {
    backend.next('plan', nvmError(404, 'BCK.PLAN.0001', 'Plan not found'))
    const nvm = nevermined({ apiKey: API_KEY })
    const error = await rejection(nvm.planOffer(PLAN))
    expect(error.code).toBe('invalid_payment_option')
    expect(error.message).toContain(PLAN)
    expect((await nvm.planOffer(PLAN)).requirements.scheme).toBe('nvm:erc4337')
    expect(backend.callsTo('plan')).toHaveLength(2)
  })

  it('rejects with facilitator_error on a 5xx and facilitator_bad_response on a body that is no plan', async () => {
    backend.next('plan', { status: 503, json: {} })
    expect((await rejection(nevermined({ apiKey: API_KEY }).planOffer(PLAN))).code).toBe('facilitator_error')
    backend.next('plan', { json: { registry: { price: { isCrypto: 'no' } } } })
    expect((await rejection(nevermined({ apiKey: API_KEY }).planOffer(PLAN))).code).toBe('facilitator_bad_response')
  })

  it('makes the route’s 402 offer the resolved plan', async () => {
    backend.next('plan', { json: cardPlan })
    const nvm = nevermined({ apiKey: API_KEY })
    const paywall = createPaywall({ facilitator: nvm, baseUrl: 'https://api.example.com', routes: { 'POST /ask': await nvm.planOffer(PLAN) } })
    const response = await paywall.protect(async () => new Response('paid'))(new Request('https://api.example.com/ask', { method: 'POST' }))
    const { v2 } = await readPaymentRequired(response)
    expect(v2?.accepts[0]).toMatchObject({ scheme: 'nvm:card-delegation', network: 'braintree', planId: PLAN })
  })
})
