// nvmPayer: pays a plan offer with an access token asked from Nevermined (a fake backend here, through the
// injected fetch), against our paywall with the test facilitator holding the plan's credits.
import { beforeEach, describe, expect, it } from 'vitest'
import { createPaywall } from '../engine/paywall.js'
import { isTollgateError } from '../errors.js'
import { exact, plan } from '../requirements/options.js'
import { createTestFacilitator, type TestFacilitator } from '../testing/facilitator.js'
import { nvmPayer, type NvmTokenRequest } from './nvm-payer.js'
import { getPayment, getReceipt } from './receipt.js'
import type { Offer } from './types.js'
import { wrapFetch } from './wrap-fetch.js'

const API_KEY = 'sandbox:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIweDcwOTkifQ.c2lnbmF0dXJl'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const PLAN = '1234567890123456789'

let facilitator: TestFacilitator
let app: (request: Request) => Promise<Response>

beforeEach(() => {
  facilitator = createTestFacilitator({ plans: [{ planId: PLAN, credits: 10 }] })
  app = createPaywall({
    facilitator,
    routes: {
      'POST /ask': plan({ planId: PLAN, agentId: '987654321', credits: 2, network: 'eip155:84532' }),
      'GET /other-plan': plan({ planId: '42', network: 'eip155:84532' }),
    },
  }).protect(async (request, ctx) => Response.json({ answer: 42, paidBy: ctx.payment?.payer, question: await request.text() }))
})

/** A Nevermined backend that issues test-facilitator tokens for the plan, and records what it was asked. */
function fakeNevermined() {
  const asked: Array<{ url: string; authorization: string | null; body: Record<string, unknown> }> = []
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const body = (await request.json()) as { accepted: Offer['requirements']; resource?: { url: string } }
    asked.push({ url: request.url, authorization: request.headers.get('authorization'), body })
    const accessToken = facilitator.mint({ requirements: body.accepted, payer: BUYER, ...(body.resource ? { resource: body.resource } : {}) })
    return Response.json({ accessToken })
  }
  return { asked, fetch: fetchImpl as typeof fetch }
}

describe('nvmPayer', () => {
  it('asks Nevermined for a token for the offered plan and pays with it; credits are burned once', async () => {
    const nvm = fakeNevermined()
    const paidFetch = wrapFetch(app, { payers: [nvmPayer({ apiKey: API_KEY, fetch: nvm.fetch })] })
    const response = await paidFetch('http://localhost/ask', { method: 'POST', body: 'meaning of life?' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ answer: 42, paidBy: BUYER, question: 'meaning of life?' })
    expect(nvm.asked).toHaveLength(1)
    expect(nvm.asked[0]).toMatchObject({
      url: 'https://api.sandbox.nevermined.app/api/v1/x402/permissions',
      authorization: `Bearer ${API_KEY}`,
      body: {
        accepted: { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: PLAN, extra: { agentId: '987654321', httpVerb: 'POST' } },
        resource: { url: 'http://localhost/ask' },
      },
    })
    expect(getPayment(response)).toMatchObject({ payer: 'nevermined', header: 'PAYMENT-SIGNATURE' })
    expect(getReceipt(response)).toMatchObject({ success: true })
    expect(facilitator.balance(BUYER, { planId: PLAN })).toBe(8n)
  })

  it('is not capped by maxAmount: plan offers name no amount (the credits were bought beforehand)', async () => {
    const nvm = fakeNevermined()
    const response = await wrapFetch(app, { payers: [nvmPayer({ apiKey: API_KEY, fetch: nvm.fetch })], maxAmount: 0 })('http://localhost/ask', { method: 'POST' })
    expect(response.status).toBe(200)
  })

  it('pays only the plans listed in planIds', async () => {
    const nvm = fakeNevermined()
    const error = await wrapFetch(app, { payers: [nvmPayer({ apiKey: API_KEY, fetch: nvm.fetch, planIds: [PLAN] })] })('http://localhost/other-plan').catch((e: unknown) => e)
    expect(isTollgateError(error) && error.code).toBe('no_payable_offer')
    expect(nvm.asked).toEqual([])
  })

  it('takes tokens from getToken instead of Nevermined', async () => {
    const seen: NvmTokenRequest[] = []
    const payer = nvmPayer({
      getToken: async (request) => {
        seen.push(request)
        return facilitator.mint({ requirements: { scheme: request.scheme, network: request.network, planId: request.planId, extra: { version: '1', agentId: request.agentId } }, payer: BUYER })
      },
    })
    const response = await wrapFetch(app, { payers: [payer] })('http://localhost/ask', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(seen).toMatchObject([{ planId: PLAN, agentId: '987654321', httpVerb: 'POST', resource: 'http://localhost/ask' }])
  })

  it('does not take exact offers, nor v1 ones', () => {
    const payer = nvmPayer({ apiKey: API_KEY })
    const requirements = exact({ price: '$0.01', network: 'base', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' }).requirements
    expect(payer.canPay({ x402Version: 2, requirements, raw: requirements, resource: { url: 'x' }, index: 0 })).toBe(false)
    const planOffer = plan({ planId: PLAN, network: 'eip155:84532' }).requirements
    expect(payer.canPay({ x402Version: 1, requirements: planOffer, raw: planOffer, resource: { url: 'x' }, index: 0 })).toBe(false)
  })

  it('asks Nevermined for the token version given (3: single-use)', async () => {
    const nvm = fakeNevermined()
    const response = await wrapFetch(app, { payers: [nvmPayer({ apiKey: API_KEY, fetch: nvm.fetch, tokenVersion: 3 })] })('http://localhost/ask', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(nvm.asked[0]?.body).toMatchObject({ tokenVersion: 3, resource: { url: 'http://localhost/ask' } })
  })

  it('asks for the version the seller’s offer names in extra.tokenVersion, unless told otherwise', async () => {
    const seen: NvmTokenRequest[] = []
    const getToken = async (request: NvmTokenRequest) => {
      seen.push(request)
      return 'token'
    }
    const requirements = { ...plan({ planId: PLAN, network: 'eip155:84532' }).requirements, extra: { version: '1', tokenVersion: 3 } }
    const offer: Offer = { x402Version: 2, requirements, raw: requirements, resource: { url: 'http://localhost/ask' }, index: 0 }
    const pay = (payer: ReturnType<typeof nvmPayer>, extra = requirements.extra) =>
      payer.pay({ offer: { ...offer, requirements: { ...requirements, extra } }, request: new Request('http://localhost/ask', { method: 'POST' }), signal: new AbortController().signal } as never)
    await pay(nvmPayer({ getToken }))
    await pay(nvmPayer({ getToken }), { version: '1', tokenVersion: '3' } as never)
    await pay(nvmPayer({ getToken }), { version: '1' } as never)
    await pay(nvmPayer({ getToken, tokenVersion: 2 }))
    await pay(nvmPayer({ getToken, tokenVersion: (o) => (o.requirements.planId === PLAN ? 3 : undefined) }), { version: '1' } as never)
    expect(seen.map((request) => request.tokenVersion)).toEqual([3, 3, undefined, 2, 3])
  })

  it('needs an API key or getToken', () => {
    expect(() => nvmPayer({})).toThrow(/apiKey/)
  })
})
