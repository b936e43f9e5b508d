// offer-receipt end to end in process: a route signs its offers (402) and a receipt per settlement, with an EVM
// account (EIP-712) or a WebCrypto key (JWS); the reference helpers (@x402/extensions/offer-receipt) verify both,
// and our buyer (verifyOfferReceipt) pays only a signed offer that holds and refuses a receipt that does not.
import {
  extractOffersFromPaymentRequired,
  extractReceiptFromResponse,
  verifyOfferSignatureEIP712,
  verifyOfferSignatureJWS,
  verifyReceiptSignatureEIP712,
  verifyReceiptSignatureJWS,
} from '@x402/extensions/offer-receipt'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { beforeEach, describe, expect, it } from 'vitest'
import { decodePaymentRequired, decodePaymentResponse, encodePaymentRequired, encodePaymentResponse } from '../../codec/headers.js'
import type { PaymentRequired } from '../../codec/types.js'
import { createPaywall } from '../../engine/paywall.js'
import { isTollgateError } from '../../errors.js'
import { defaultAsset } from '../../requirements/assets.js'
import { exact } from '../../requirements/options.js'
import { createTestFacilitator, type TestFacilitator } from '../../testing/facilitator.js'
import { verifyOfferReceipt } from '../../client/offer-receipt-check.js'
import { testPayer } from '../../client/test-support.js'
import { wrapFetch } from '../../client/wrap-fetch.js'
import { offerReceipt, type OfferReceiptSigner } from './server.js'
import { OFFER_RECEIPT, type SignedOffer, type SignedReceipt } from './wire.js'

const NETWORK = 'eip155:84532'
const USDC = defaultAsset(NETWORK)!.address
const URL_REPORT = 'http://api.test/report'
const seller = privateKeyToAccount(generatePrivateKey())
const impostor = privateKeyToAccount(generatePrivateKey())
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

let facilitator: TestFacilitator

beforeEach(() => {
  facilitator = createTestFacilitator()
  facilitator.fund(BUYER, 1_000_000n, { asset: USDC })
})

function appWith(signer: OfferReceiptSigner, includeTransaction = false) {
  const paywall = createPaywall({
    facilitator,
    routes: { 'GET /report': { accepts: exact({ price: '$0.01', network: NETWORK, payTo: seller.address }), extensions: [offerReceipt({ signer, includeTransaction })] } },
  })
  return paywall.protect(() => Response.json({ report: 'ok' }))
}

async function paymentRequiredOf(app: (r: Request) => Promise<Response>): Promise<PaymentRequired> {
  const response = await app(new Request(URL_REPORT))
  const decoded = decodePaymentRequired(response.headers.get('PAYMENT-REQUIRED')!)
  if (!decoded.ok) throw decoded.error
  return decoded.value
}

/** A server in the middle that rewrites the offer-receipt part of the 402 or of the receipt. */
function tampered(app: (r: Request) => Promise<Response>, change: { offer?: (o: SignedOffer) => SignedOffer; receipt?: (r: SignedReceipt) => SignedReceipt }) {
  return async (request: Request) => {
    const response = await app(request)
    const headers = new Headers(response.headers)
    const required = headers.get('PAYMENT-REQUIRED')
    if (required && change.offer) {
      const value = (decodePaymentRequired(required) as { value: PaymentRequired }).value
      const part = value.extensions![OFFER_RECEIPT] as { info: { offers: SignedOffer[] } }
      part.info.offers = part.info.offers.map(change.offer)
      headers.set('PAYMENT-REQUIRED', encodePaymentRequired(value))
    }
    const paid = headers.get('PAYMENT-RESPONSE')
    if (paid && change.receipt) {
      const value = (decodePaymentResponse(paid) as { value: Record<string, any> }).value
      value.extensions[OFFER_RECEIPT].info.receipt = change.receipt(value.extensions[OFFER_RECEIPT].info.receipt)
      headers.set('PAYMENT-RESPONSE', encodePaymentResponse(value as never))
    }
    return new Response(response.body, { status: response.status, headers })
  }
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  return isTollgateError(error) ? error.code : String(error)
}

describe('offer-receipt with EIP-712 (the seller\'s EVM account)', () => {
  const signer: OfferReceiptSigner = { format: 'eip712', account: seller }

  it('signs each offer in the 402; the reference recovers the seller and reads the terms of accepts[]', async () => {
    const paymentRequired = await paymentRequiredOf(appWith(signer))
    const offers = extractOffersFromPaymentRequired(paymentRequired as never)
    expect(offers).toHaveLength(1)
    const { signer: recovered, payload } = await verifyOfferSignatureEIP712(offers[0] as never)
    expect(recovered).toBe(seller.address)
    const { scheme, network, asset, payTo, amount } = paymentRequired.accepts[0]!
    expect(payload).toMatchObject({ version: 1, resourceUrl: URL_REPORT, scheme, network, asset, payTo, amount })
    expect(payload.validUntil).toBeGreaterThan(Date.now() / 1000)
    expect(offers[0]).toMatchObject({ acceptIndex: 0 })
  })

  it('our buyer verifies the offer, pays, and verifies the receipt; the reference verifies the receipt too', async () => {
    const payer = testPayer(facilitator, BUYER)
    const response = await wrapFetch(appWith(signer, true), { payers: [payer], extensions: [verifyOfferReceipt()] })(URL_REPORT)
    expect(response.status).toBe(200)
    const receipt = extractReceiptFromResponse(response)!
    const { signer: recovered, payload } = await verifyReceiptSignatureEIP712(receipt as never)
    expect(recovered).toBe(seller.address)
    expect(payload).toMatchObject({ version: 1, network: NETWORK, resourceUrl: URL_REPORT, payer: BUYER })
    expect(payload.transaction).toMatch(/^0x/)
  })

  it('refuses to pay an offer signed by someone else than the payee, and a signature that does not hold', async () => {
    const payer = testPayer(facilitator, BUYER)
    const forged = tampered(appWith({ format: 'eip712', account: impostor }), {})
    expect(await errorCode(wrapFetch(forged, { payers: [payer], extensions: [verifyOfferReceipt()] })(URL_REPORT))).toBe('offer_signature_invalid')
    const altered = tampered(appWith(signer), { offer: (o) => ({ ...o, payload: { ...(o as { payload: object }).payload, amount: '1' } }) as SignedOffer })
    // The altered amount no longer matches the offer being paid: no signed offer for it, refused when required.
    expect(await errorCode(wrapFetch(altered, { payers: [payer], extensions: [verifyOfferReceipt({ require: true })] })(URL_REPORT))).toBe('offer_signature_invalid')
    const badSignature = tampered(appWith(signer), { offer: (o) => ({ ...o, signature: '0x' + '11'.repeat(65) }) })
    expect(await errorCode(wrapFetch(badSignature, { payers: [payer], extensions: [verifyOfferReceipt()] })(URL_REPORT))).toBe('offer_signature_invalid')
    expect(payer.paid).toEqual([])
  })

  it('refuses a receipt whose signature does not hold, or for another payer', async () => {
    const resigned = tampered(appWith(signer), { receipt: (r) => ({ ...r, payload: { ...(r as { payload: object }).payload, payer: impostor.address } }) as SignedReceipt })
    expect(await errorCode(wrapFetch(resigned, { payers: [testPayer(facilitator, BUYER)], extensions: [verifyOfferReceipt()] })(URL_REPORT))).toBe('receipt_signature_invalid')
  })

  it('trusts the signers it is given instead of the payee', async () => {
    const payer = testPayer(facilitator, BUYER)
    const app = appWith({ format: 'eip712', account: impostor })
    const response = await wrapFetch(app, { payers: [payer], extensions: [verifyOfferReceipt({ signers: [impostor.address] })] })(URL_REPORT)
    expect(response.status).toBe(200)
  })
})

describe('offer-receipt with JWS (a WebCrypto key pair)', () => {
  it('ES256: the reference verifies offers and receipts from the did:jwk kid alone; our buyer with the public key', async () => {
    const keyPair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
    const app = appWith({ format: 'jws', keyPair })
    const offers = extractOffersFromPaymentRequired((await paymentRequiredOf(app)) as never)
    const offer = await verifyOfferSignatureJWS(offers[0] as never)
    expect(offer).toMatchObject({ version: 1, resourceUrl: URL_REPORT, network: NETWORK, amount: '10000' })

    const publicJwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey)
    const response = await wrapFetch(app, { payers: [testPayer(facilitator, BUYER)], extensions: [verifyOfferReceipt({ keys: [publicJwk], require: true })] })(URL_REPORT)
    expect(response.status).toBe(200)
    const receipt = await verifyReceiptSignatureJWS(extractReceiptFromResponse(response) as never)
    expect(receipt).toMatchObject({ version: 1, network: NETWORK, resourceUrl: URL_REPORT, payer: BUYER })
    expect(receipt).not.toHaveProperty('transaction')
  })

  it('refuses a JWS offer without a trusted key, or signed by another key', async () => {
    const keyPair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
    const other = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
    const payer = testPayer(facilitator, BUYER)
    const app = appWith({ format: 'jws', keyPair })
    expect(await errorCode(wrapFetch(app, { payers: [payer], extensions: [verifyOfferReceipt()] })(URL_REPORT))).toBe('offer_signature_invalid')
    expect(await errorCode(wrapFetch(app, { payers: [payer], extensions: [verifyOfferReceipt({ keys: [other.publicKey] })] })(URL_REPORT))).toBe('offer_signature_invalid')
    expect(payer.paid).toEqual([])
  })

  it('checks its options when the route is built', () => {
    expect(() => offerReceipt({ signer: { format: 'eip712', account: {} as never } })).toThrow(/signer.account/)
    expect(() => offerReceipt({ signer: {} as never })).toThrow(/signer/)
  })
})
