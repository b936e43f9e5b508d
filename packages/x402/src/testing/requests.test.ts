import { readVector } from '../test-support/vectors.js'
import { describe, it, expect } from 'vitest'
import { payFor, paidRequest, readPaymentRequired, readReceipt, unpaidRequest, TEST_ORIGIN } from './requests.js'
import { createTestFacilitator } from './facilitator.js'
import { decodeBase64Json, encodeBase64Json } from '../codec/base64.js'
import type { PaymentPayload, PaymentRequirements, X402Version } from '../codec/types.js'
import type { VerifyRequest } from '../facilitator/types.js'
import { proofOf } from '../test-support/proof.js'

const vector = readVector

const v1 = vector('x402-v1.json')
const v2 = vector('x402-v2.json')
const nvm = vector('nevermined.json')
const exactOffer: PaymentRequirements = v2.paymentRequired.accepts[0]
const planOffer: PaymentRequirements = nvm.paymentRequired.accepts[0]
const USDC = exactOffer.asset as string
const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

/** A 402 as a paywall answers it: the v2 header and the v1 JSON body. */
function response402(options: { header?: string | null; body?: unknown } = {}): Response {
  const headers = new Headers({ 'Content-Type': 'application/json' })
  const header = options.header === undefined ? (v2.paymentRequiredHeader as string) : options.header
  if (header !== null) headers.set('PAYMENT-REQUIRED', header)
  const body = options.body === undefined ? v1.body402 : options.body
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status: 402, headers })
}

function verifyRequestFor(token: string, requirements: PaymentRequirements, x402Version: X402Version): VerifyRequest {
  const proof = proofOf(token, x402Version)
  return { x402Version, token, proof, requirements, paymentRequired: v2.paymentRequired, amount: requirements.amount ?? '1' }
}

describe('unpaidRequest', () => {
  it('resolves a bare path against the test origin and keeps init', () => {
    const request = unpaidRequest('/ask?q=1', { method: 'POST', body: 'hi' })
    expect(request.url).toBe(`${TEST_ORIGIN}/ask?q=1`)
    expect(request.method).toBe('POST')
    expect(request.headers.has('PAYMENT-SIGNATURE')).toBe(false)
  })

  it('keeps an absolute URL', () => {
    expect(unpaidRequest('https://api.example.com/premium').url).toBe('https://api.example.com/premium')
  })
})

describe('paidRequest', () => {
  it('sends a v2 token in PAYMENT-SIGNATURE and a v1 token in X-PAYMENT, by the token itself', () => {
    const v2Request = paidRequest('/premium', v2.paymentSignatureHeader)
    expect(v2Request.headers.get('PAYMENT-SIGNATURE')).toBe(v2.paymentSignatureHeader)
    expect(v2Request.headers.has('X-PAYMENT')).toBe(false)
    const v1Request = paidRequest('/premium', v1.xPaymentHeader)
    expect(v1Request.headers.get('X-PAYMENT')).toBe(v1.xPaymentHeader)
    expect(v1Request.headers.has('PAYMENT-SIGNATURE')).toBe(false)
  })

  it('lets x402Version pick the header, and keeps the other headers and init', () => {
    const request = paidRequest('/premium', 'opaque-token', { x402Version: 1, method: 'PUT', headers: { Accept: 'text/plain' } })
    expect(request.headers.get('X-PAYMENT')).toBe('opaque-token')
    expect(request.headers.get('Accept')).toBe('text/plain')
    expect(request.method).toBe('PUT')
    // A token that is not base64 JSON goes in the v2 header by default.
    expect(paidRequest('/premium', 'opaque-token').headers.get('PAYMENT-SIGNATURE')).toBe('opaque-token')
  })
})

describe('readPaymentRequired', () => {
  it('reads the v2 header and the v1 body, leaving the body readable', async () => {
    const response = response402()
    const { v2: fromHeader, v1: fromBody } = await readPaymentRequired(response)
    expect(fromHeader).toEqual(v2.paymentRequired)
    expect(fromBody).toEqual(v1.body402)
    expect(await response.json()).toEqual(v1.body402)
  })

  it('reads a header-only 402 with a polite v2 body, and a body-only v1 402', async () => {
    expect(await readPaymentRequired(response402({ body: { error: 'payment_required', message: 'Pay first' } }))).toEqual({ v2: v2.paymentRequired })
    expect(await readPaymentRequired(response402({ header: null }))).toEqual({ v1: v1.body402 })
  })

  it('ignores a body that is not JSON (the HTML paywall page)', async () => {
    expect(await readPaymentRequired(response402({ body: '<!doctype html><p>Pay</p>' }))).toEqual({ v2: v2.paymentRequired })
  })

  it('throws on a malformed header or v1 body', async () => {
    await expect(readPaymentRequired(response402({ header: '!!!' }))).rejects.toThrow(/PAYMENT-REQUIRED header is not base64/)
    await expect(readPaymentRequired(response402({ header: encodeBase64Json({ x402Version: 2, accepts: [] }) }))).rejects.toThrow(
      /PAYMENT-REQUIRED does not have the expected shape/,
    )
    await expect(readPaymentRequired(response402({ header: null, body: { x402Version: 1, accepts: [{ scheme: 'exact' }] } }))).rejects.toThrow(
      /body does not have the expected shape/,
    )
  })
})

describe('readReceipt', () => {
  it('decodes PAYMENT-RESPONSE and X-PAYMENT-RESPONSE', () => {
    const fromV2 = readReceipt(new Response('ok', { headers: { 'PAYMENT-RESPONSE': v2.paymentResponseHeader } }))
    expect(fromV2).toEqual(v2.settleResponse)
    const fromV1 = readReceipt(new Response('ok', { headers: { 'X-PAYMENT-RESPONSE': v1.xPaymentResponseHeader } }))
    expect(fromV1).toMatchObject({ success: true, network: 'eip155:84532', payer: ALICE })
  })

  it('is undefined without a receipt, and throws on a malformed one', () => {
    expect(readReceipt(new Response('ok'))).toBeUndefined()
    expect(() => readReceipt(new Response('ok', { headers: { 'PAYMENT-RESPONSE': encodeBase64Json({ ok: 1 }) } }))).toThrow(
      /PAYMENT-RESPONSE does not have the expected shape/,
    )
  })
})

describe('payFor', () => {
  it('mints a v2 token for the first offer that the facilitator accepts', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(ALICE, 10_000, { asset: USDC })
    const token = await payFor(response402(), facilitator, { payer: ALICE })
    const decoded = decodeBase64Json(token) as PaymentPayload
    expect(decoded.x402Version).toBe(2)
    expect(decoded.accepted).toEqual(exactOffer)
    expect(decoded.resource).toEqual(v2.paymentRequired.resource)
    expect(await facilitator.verify(verifyRequestFor(token, exactOffer, 2), new AbortController().signal)).toMatchObject({ isValid: true, payer: ALICE })
  })

  it('answers in v1 when asked, with the v1 network name', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(ALICE, 10_000, { asset: USDC })
    const token = await payFor(response402(), facilitator, { payer: ALICE, x402Version: 1 })
    expect(decodeBase64Json(token)).toMatchObject({ x402Version: 1, scheme: 'exact', network: 'base-sepolia' })
    expect(await facilitator.verify(verifyRequestFor(token, exactOffer, 1), new AbortController().signal)).toMatchObject({ isValid: true })
  })

  it('pays a v1-only 402 from its body, in v1', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(ALICE, 10_000, { asset: USDC })
    const token = await payFor(response402({ header: null }), facilitator, { payer: ALICE })
    expect(decodeBase64Json(token)).toMatchObject({ x402Version: 1, network: 'base-sepolia', payload: { amount: '10000' } })
    expect(await facilitator.verify(verifyRequestFor(token, exactOffer, 1), new AbortController().signal)).toMatchObject({ isValid: true })
  })

  it('picks the offer by optionIndex', async () => {
    const facilitator = createTestFacilitator({ plans: [{ planId: planOffer.planId as string, credits: 5 }] })
    const header = encodeBase64Json({ ...v2.paymentRequired, accepts: [exactOffer, planOffer] })
    const token = await payFor(response402({ header }), facilitator, { payer: ALICE, optionIndex: 1 })
    expect((decodeBase64Json(token) as PaymentPayload).accepted).toEqual(planOffer)
  })

  it('passes mint options through: valid false makes a token verify refuses', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(ALICE, 10_000, { asset: USDC })
    const token = await payFor(response402(), facilitator, { payer: ALICE, valid: false })
    expect(await facilitator.verify(verifyRequestFor(token, exactOffer, 2), new AbortController().signal)).toMatchObject({
      isValid: false,
      invalidReason: 'invalid_signature',
    })
  })

  it('explains when the response is not a usable 402', async () => {
    const facilitator = createTestFacilitator()
    await expect(payFor(new Response('ok'), facilitator, { payer: ALICE })).rejects.toThrow(/expected a 402 response, got 200/)
    await expect(payFor(new Response('{}', { status: 402 }), facilitator, { payer: ALICE })).rejects.toThrow(/neither a PAYMENT-REQUIRED header nor a v1 JSON body/)
  })
})
