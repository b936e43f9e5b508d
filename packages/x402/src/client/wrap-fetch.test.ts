// wrapFetch against an in-process paywall and the test facilitator: what a buyer sees and what it pays.
import { beforeEach, describe, expect, it } from 'vitest'
import { decodePaymentSignature } from '../codec/headers.js'
import { createPaywall } from '../engine/paywall.js'
import { isTollgateError, type TollgateError } from '../errors.js'
import { defaultAsset } from '../requirements/assets.js'
import { exact, plan } from '../requirements/options.js'
import { createTestFacilitator, type TestFacilitator } from '../testing/facilitator.js'
import { getPayment, getReceipt } from './receipt.js'
import { recording, testPayer, v1Only } from './test-support.js'
import type { Payer } from './types.js'
import { wrapFetch } from './wrap-fetch.js'
import { paymentIdentifier } from '../extensions/payment-identifier/index.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const USDC_BASE_SEPOLIA = defaultAsset('eip155:84532')!.address
const USDC_BASE = defaultAsset('eip155:8453')!.address

let facilitator: TestFacilitator

function server(routes: Parameters<typeof createPaywall>[0]['routes']) {
  const paywall = createPaywall({ routes, facilitator })
  return paywall.protect(async (request, ctx) =>
    Response.json({ paidBy: ctx.payment?.payer ?? null, method: request.method, body: request.body ? await request.text() : null }),
  )
}

const weather = () =>
  server({
    'GET /weather': exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }),
    'POST /echo': exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }),
    'GET /pricey': exact({ price: '$0.50', network: 'base-sepolia', payTo: PAY_TO }),
    'GET /two': [
      exact({ price: '$0.02', network: 'base-sepolia', payTo: PAY_TO }),
      exact({ price: '$0.01', network: 'base', payTo: PAY_TO }),
    ],
  })

async function caught(promise: Promise<unknown>): Promise<TollgateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isTollgateError(error)) throw new Error(`expected a TollgateError, got ${String(error)}`)
  return error
}

beforeEach(() => {
  facilitator = createTestFacilitator()
  facilitator.fund(BUYER, 1_000_000n, { asset: USDC_BASE_SEPOLIA })
  facilitator.fund(BUYER, 1_000_000n, { asset: USDC_BASE })
})

describe('wrapFetch', () => {
  it('passes unpaid answers through and pays nothing', async () => {
    const inner = recording(weather())
    const payer = testPayer(facilitator, BUYER)
    const response = await wrapFetch(inner, { payers: [payer] })('http://localhost/free')
    expect(response.status).toBe(200)
    expect(payer.paid).toEqual([])
    expect(inner.requests).toHaveLength(1)
    expect(getPayment(response)).toBeUndefined()
  })

  it('answers a v2 402 by paying once and retrying with PAYMENT-SIGNATURE; the receipt is readable', async () => {
    const inner = recording(weather())
    const payer = testPayer(facilitator, BUYER)
    const response = await wrapFetch(inner, { payers: [payer] })('http://localhost/weather')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ paidBy: BUYER })
    expect(inner.requests).toHaveLength(2)
    expect(inner.requests[1]!.headers.get('PAYMENT-SIGNATURE')).toBeTruthy()
    expect(inner.requests[1]!.headers.get('X-PAYMENT')).toBeNull()
    expect(getReceipt(response)).toMatchObject({ success: true, payer: BUYER, network: 'eip155:84532' })
    expect(getPayment(response)).toMatchObject({ payer: 'test', header: 'PAYMENT-SIGNATURE', offer: { x402Version: 2, requirements: { amount: '10000' } } })
    expect(facilitator.balance(BUYER, { asset: USDC_BASE_SEPOLIA })).toBe(1_000_000n - 10_000n)
    expect(facilitator.settleCalls()).toHaveLength(1)
  })

  it('adds only the proof header to the retry (no other header that would make a browser preflight)', async () => {
    const inner = recording(weather())
    await wrapFetch(inner, { payers: [testPayer(facilitator, BUYER)] })('http://localhost/weather', { headers: { accept: 'application/json' } })
    const [first, retry] = inner.requests
    const names = (request: Request) => [...request.headers.keys()].sort()
    expect(names(first!)).toEqual(['accept'])
    expect(names(retry!)).toEqual(['accept', 'payment-signature'])
  })

  it('pays a v1 server (402 body only) with X-PAYMENT and reads X-PAYMENT-RESPONSE', async () => {
    const inner = recording(v1Only(weather()))
    const response = await wrapFetch(inner, { payers: [testPayer(facilitator, BUYER)] })('http://localhost/weather')
    expect(response.status).toBe(200)
    expect(inner.requests[1]!.headers.get('X-PAYMENT')).toBeTruthy()
    expect(inner.requests[1]!.headers.get('PAYMENT-SIGNATURE')).toBeNull()
    expect(response.headers.get('X-PAYMENT-RESPONSE')).toBeTruthy()
    expect(getReceipt(response)).toMatchObject({ success: true, payer: BUYER })
    expect(getPayment(response)).toMatchObject({ header: 'X-PAYMENT', offer: { x402Version: 1, requirements: { network: 'eip155:84532', amount: '10000' } } })
    expect(facilitator.balance(BUYER, { asset: USDC_BASE_SEPOLIA })).toBe(990_000n)
  })

  describe('the spend cap', () => {
    it('refuses an offer above the default cap of 0.10 USDC, before paying anything', async () => {
      const inner = recording(weather())
      const payer = testPayer(facilitator, BUYER)
      const error = await caught(wrapFetch(inner, { payers: [payer] })('http://localhost/pricey'))
      expect(error.code).toBe('over_spend_cap')
      expect(error.details).toMatchObject({ amount: '500000', cap: '100000' })
      expect(payer.paid).toEqual([])
      expect(inner.requests).toHaveLength(1)
      expect(facilitator.verifyCalls()).toHaveLength(0)
    })

    it('takes a cap in dollars or atomic units, and per asset', async () => {
      const pricey = 'http://localhost/pricey'
      facilitator.fund(BUYER, 10_000_000n, { asset: USDC_BASE_SEPOLIA })
      const pay = (maxAmount: Parameters<typeof wrapFetch>[1]['maxAmount']) =>
        wrapFetch(weather(), { payers: [testPayer(facilitator, BUYER)], maxAmount })(pricey)
      expect((await pay('$0.50')).status).toBe(200)
      expect((await pay('500000')).status).toBe(200)
      expect((await caught(pay(499_999n))).code).toBe('over_spend_cap')
      expect((await pay({ default: 0, perAsset: { [USDC_BASE_SEPOLIA.toLowerCase()]: '$1' } })).status).toBe(200)
      expect((await caught(pay({ perAsset: { [USDC_BASE]: '$1' } }))).code).toBe('over_spend_cap')
    })

    it('fails at construction on a cap it cannot read', () => {
      const make = (maxAmount: unknown) => () => wrapFetch(fetch, { payers: [testPayer(facilitator)], maxAmount: maxAmount as string })
      expect(make('0.05')).toThrow(/maxAmount/)
      expect(make('$0.0000001')).toThrow(/decimal places/)
      expect(make(-1)).toThrow(/negative/)
    })
  })

  it('throws payment_refused with the server reason when the paid retry gets a 402, and pays no more', async () => {
    facilitator.fail('verify', { type: 'invalid', reason: 'insufficient_funds' })
    const inner = recording(weather())
    const payer = testPayer(facilitator, BUYER)
    const error = await caught(wrapFetch(inner, { payers: [payer] })('http://localhost/weather'))
    expect(error.code).toBe('payment_refused')
    expect(error.reason).toBe('insufficient_funds')
    expect(error.message).toMatch(/insufficient_funds/)
    expect(payer.paid).toHaveLength(1)
    expect(inner.requests).toHaveLength(2)
  })

  it('reports a failed settlement with the receipt and its reason', async () => {
    facilitator.fail('settle', { type: 'settle-failure', reason: 'transaction_reverted' })
    const error = await caught(wrapFetch(weather(), { payers: [testPayer(facilitator, BUYER)] })('http://localhost/weather'))
    expect(error.code).toBe('payment_refused')
    expect(error.reason).toBe('transaction_reverted')
    expect(error.details.receipt).toMatchObject({ success: false, errorReason: 'transaction_reverted' })
  })

  describe('a malformed 402', () => {
    const answer = (response: () => Response) => wrapFetch(async () => response(), { payers: [testPayer(facilitator)] })
    it('with no payment request at all', async () => {
      const error = await caught(answer(() => new Response('pay me', { status: 402 }))('http://localhost/x'))
      expect(error.code).toBe('malformed_402')
      expect(error.message).toMatch(/no PAYMENT-REQUIRED header and no x402 JSON body/)
    })
    it('with a header that is not base64 JSON', async () => {
      const error = await caught(answer(() => new Response(null, { status: 402, headers: { 'PAYMENT-REQUIRED': '%%%' } }))('http://localhost/x'))
      expect(error.code).toBe('malformed_402')
      expect(error.message).toMatch(/PAYMENT-REQUIRED header cannot be read/)
    })
    it('with a v1 body that misses its offers', async () => {
      const error = await caught(answer(() => Response.json({ x402Version: 1, error: 'pay' }, { status: 402 }))('http://localhost/x'))
      expect(error.code).toBe('malformed_402')
    })
    it('reads a v2 body when the header is missing (a browser not allowed to read it)', async () => {
      const offer = { scheme: 'exact', network: 'eip155:8453', amount: '10', asset: USDC_BASE, payTo: PAY_TO }
      const body = { x402Version: 2, resource: { url: 'http://localhost/x' }, accepts: [offer] }
      const inner = recording(async (request) =>
        request.headers.has('PAYMENT-SIGNATURE') ? new Response('ok') : Response.json(body, { status: 402 }),
      )
      const response = await wrapFetch(inner, { payers: [testPayer(facilitator)] })('http://localhost/x')
      expect(await response.text()).toBe('ok')
      const proof = decodePaymentSignature(inner.requests[1]!.headers.get('PAYMENT-SIGNATURE')!)
      expect(proof.ok && proof.value.accepted).toEqual(offer)
    })
  })

  it('throws no_payable_offer when no payer can pay any offer, naming what was offered', async () => {
    const app = server({ 'GET /ask': plan({ planId: '123', agentId: '9', credits: 1 }) })
    const exactOnly: Payer = { name: 'exact-evm', canPay: (offer) => offer.requirements.scheme === 'exact', pay: async () => 'x' }
    const error = await caught(wrapFetch(app, { payers: [exactOnly] })('http://localhost/ask'))
    expect(error.code).toBe('no_payable_offer')
    expect(error.message).toMatch(/nvm:erc4337 plan 123/)
  })

  describe('choosing an offer', () => {
    it('takes the cheapest by default', async () => {
      const payer = testPayer(facilitator, BUYER)
      await wrapFetch(weather(), { payers: [payer] })('http://localhost/two')
      expect(payer.paid.map((offer) => offer.requirements.network)).toEqual(['eip155:8453'])
    })
    it('takes the preferred network first', async () => {
      const payer = testPayer(facilitator, BUYER)
      await wrapFetch(weather(), { payers: [payer], policy: { networks: ['base-sepolia'] } })('http://localhost/two')
      expect(payer.paid.map((offer) => offer.requirements.network)).toEqual(['eip155:84532'])
    })
    it('pays only listed networks with `only`', async () => {
      const payer = testPayer(facilitator, BUYER)
      const error = await caught(wrapFetch(weather(), { payers: [payer], policy: { networks: ['polygon'], only: true } })('http://localhost/two'))
      expect(error.code).toBe('no_payable_offer')
      expect(payer.paid).toEqual([])
    })
    it('takes a function', async () => {
      const payer = testPayer(facilitator, BUYER)
      await wrapFetch(weather(), { payers: [payer], policy: (candidates) => candidates.find((c) => c.amount === 20_000n) })('http://localhost/two')
      expect(payer.paid.map((offer) => offer.requirements.amount)).toEqual(['20000'])
    })
  })

  describe('request bodies', () => {
    it('resends a string body on the paid retry', async () => {
      const response = await wrapFetch(weather(), { payers: [testPayer(facilitator, BUYER)] })('http://localhost/echo', { method: 'POST', body: 'hello' })
      expect(await response.json()).toMatchObject({ paidBy: BUYER, method: 'POST', body: 'hello' })
    })

    it('resends the body of a Request given as input', async () => {
      const request = new Request('http://localhost/echo', { method: 'POST', body: JSON.stringify({ q: 1 }), headers: { 'content-type': 'application/json' } })
      const response = await wrapFetch(weather(), { payers: [testPayer(facilitator, BUYER)] })(request)
      expect(await response.json()).toMatchObject({ body: '{"q":1}' })
    })

    it('refuses to pay when a streamed body cannot be resent, and says so', async () => {
      const payer = testPayer(facilitator, BUYER)
      const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('hi')), c.close()) })
      const init = { method: 'POST', body, duplex: 'half' } as RequestInit
      const error = await caught(wrapFetch(weather(), { payers: [payer] })('http://localhost/echo', init))
      expect(error.code).toBe('body_not_replayable')
      expect(error.message).toMatch(/Nothing was paid/)
      expect(payer.paid).toEqual([])
    })
  })

  it('tells beforePay what will be paid, and pays nothing when it declines', async () => {
    const inner = recording(weather())
    const payer = testPayer(facilitator, BUYER)
    const seen: Array<{ amount: bigint | undefined; network: string; error: string | undefined }> = []
    const paying = wrapFetch(inner, {
      payers: [payer],
      beforePay: ({ amount, offer, demand }) => {
        seen.push({ amount, network: offer.requirements.network, error: demand.error })
        return offer.requirements.network !== 'eip155:8453'
      },
    })
    expect((await paying('http://localhost/weather')).status).toBe(200)
    expect(seen).toEqual([{ amount: 10_000n, network: 'eip155:84532', error: 'Payment required' }])
    const declined = await caught(paying('http://localhost/two')) // the cheapest offer is on Base: declined
    expect(declined.code).toBe('payment_declined')
    expect(payer.paid).toHaveLength(1)
    expect(facilitator.settleCalls()).toHaveLength(1)
  })

  it('sends a request that already carries a proof as it is', async () => {
    const inner = recording(weather())
    const payer = testPayer(facilitator, BUYER)
    const token = facilitator.mint({ requirements: { scheme: 'exact', network: 'eip155:84532', amount: '10000', asset: USDC_BASE_SEPOLIA, payTo: PAY_TO }, payer: BUYER })
    const response = await wrapFetch(inner, { payers: [payer] })('http://localhost/weather', { headers: { 'PAYMENT-SIGNATURE': token } })
    expect(inner.requests).toHaveLength(1)
    expect(payer.paid).toEqual([])
    expect(response.status).not.toBe(500)
  })

  it('wraps a payer that throws as payer_error', async () => {
    const broken: Payer = { name: 'broken', canPay: () => true, pay: async () => Promise.reject(new Error('wallet locked')) }
    const error = await caught(wrapFetch(weather(), { payers: [broken] })('http://localhost/weather'))
    expect(error.code).toBe('payer_error')
    expect(error.message).toMatch(/broken payer could not pay .*wallet locked/)
  })

  it('fails fast on bad options', () => {
    expect(() => wrapFetch(fetch, { payers: [] })).toThrow(/payers must be a non-empty list/)
    expect(() => wrapFetch(undefined as unknown as typeof fetch, { payers: [testPayer(facilitator)] })).toThrow(/fetch function/)
    expect(() => wrapFetch(fetch, { payers: [testPayer(facilitator)], policy: { networks: ['nowhere'] } })).toThrow(/Unknown network/)
  })
})

describe('wrapFetch, on a route that declares extensions', () => {
  it('tells the payer about the proof it made (its own key), while the header sent carries the echoed extensions', async () => {
    const app = server({ 'GET /weather': { accepts: exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }), extensions: [paymentIdentifier()] } })
    const inner = recording(app)
    const made: string[] = []
    const told: string[] = []
    const base = testPayer(facilitator, BUYER)
    const payer: Payer = {
      ...base,
      async pay(args) {
        const proof = (await base.pay(args)) as string
        made.push(proof)
        return proof
      },
      afterPayment: ({ proof }) => void told.push(proof),
    }
    const paidFetch = wrapFetch(inner, { payers: [payer] })
    expect((await paidFetch('http://localhost/weather')).status).toBe(200)
    expect((await paidFetch('http://localhost/weather')).status).toBe(200)
    expect(told).toEqual(made)
    const sent = decodePaymentSignature(inner.requests[1]!.headers.get('PAYMENT-SIGNATURE')!)
    expect(sent.ok && sent.value.extensions?.['payment-identifier']).toMatchObject({ info: { id: expect.stringMatching(/^pay_[0-9a-f]{32}$/) } })
    expect(inner.requests[1]!.headers.get('PAYMENT-SIGNATURE')).not.toBe(made[0])
  })
})
