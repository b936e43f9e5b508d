import { readVector } from '../test-support/vectors.js'
import { describe, expect, it } from 'vitest'
import type { TollgateError } from '../errors.js'
import { encodeBase64, encodeBase64Json } from './base64.js'
import {
  DEFAULT_MAX_HEADER_BYTES,
  HEADERS,
  type Decoded,
  decodeAnyHeader,
  decodePaymentRequired,
  decodePaymentRequiredV1Body,
  decodePaymentResponse,
  decodePaymentSignature,
  decodeXPayment,
  encodePaymentRequired,
  encodePaymentResponse,
  encodePaymentSignature,
  encodeXPayment,
  readProof,
} from './headers.js'
import { EXPECTED } from './schemas.js'
import type { PaymentPayload, PaymentRequired } from './types.js'

const vectors = readVector
const v1 = vectors('x402-v1.json')
const v2 = vectors('x402-v2.json')
const nvm = vectors('nevermined.json')

function valueOf<T>(decoded: Decoded<T> | null): T {
  if (decoded === null) throw new Error('expected a decoded value, got null')
  if (!decoded.ok) throw decoded.error
  return decoded.value
}

function errorOf<T>(decoded: Decoded<T> | null): TollgateError {
  if (decoded === null || decoded.ok) throw new Error(`expected an error, got ${JSON.stringify(decoded)}`)
  return decoded.error
}

function toUrlSafeUnpadded(header: string): string {
  return header.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

describe('header names', () => {
  it('are the wire names', () => {
    expect(HEADERS).toEqual({
      PAYMENT_REQUIRED: 'PAYMENT-REQUIRED',
      PAYMENT_SIGNATURE: 'PAYMENT-SIGNATURE',
      PAYMENT_RESPONSE: 'PAYMENT-RESPONSE',
      X_PAYMENT: 'X-PAYMENT',
      X_PAYMENT_RESPONSE: 'X-PAYMENT-RESPONSE',
    })
    expect(DEFAULT_MAX_HEADER_BYTES).toBe(8192)
  })
})

describe('vectors decode to their objects and encode back byte for byte', () => {
  it('v2 PAYMENT-REQUIRED', () => {
    const decoded = valueOf(decodePaymentRequired(v2.paymentRequiredHeader))
    expect(decoded).toEqual(v2.paymentRequired)
    expect(encodePaymentRequired(decoded)).toBe(v2.paymentRequiredHeader)
  })

  it('v2 PAYMENT-SIGNATURE', () => {
    const decoded = valueOf(decodePaymentSignature(v2.paymentSignatureHeader))
    expect(decoded).toEqual(v2.paymentPayload)
    expect(encodePaymentSignature(decoded)).toBe(v2.paymentSignatureHeader)
  })

  it('v2 PAYMENT-RESPONSE', () => {
    const decoded = valueOf(decodePaymentResponse(v2.paymentResponseHeader))
    expect(decoded).toEqual(v2.settleResponse)
    expect(encodePaymentResponse(decoded)).toBe(v2.paymentResponseHeader)
  })

  it('v1 X-PAYMENT', () => {
    const decoded = valueOf(decodeXPayment(v1.xPaymentHeader))
    expect(decoded).toEqual(v1.xPayment)
    expect(encodeXPayment(decoded)).toBe(v1.xPaymentHeader)
  })

  it('v1 X-PAYMENT-RESPONSE', () => {
    const decoded = valueOf(decodePaymentResponse(v1.xPaymentResponseHeader))
    expect(decoded).toMatchObject({ success: true, network: 'eip155:84532' })
    expect(encodePaymentResponse(decoded)).toBe(v1.xPaymentResponseHeader)
  })

  it('v1 402 body', () => {
    expect(valueOf(decodePaymentRequiredV1Body(v1.body402))).toEqual(v1.body402)
  })

  it('Nevermined PAYMENT-REQUIRED', () => {
    const decoded = valueOf(decodePaymentRequired(nvm.paymentRequiredHeader))
    expect(decoded).toEqual(nvm.paymentRequired)
    expect(encodePaymentRequired(decoded)).toBe(nvm.paymentRequiredHeader)
  })

  it('Nevermined access token (base64url, unpadded): re-encoded as standard base64', () => {
    const decoded = valueOf(decodePaymentSignature(nvm.accessToken))
    expect(decoded).toEqual(nvm.accessTokenDecoded)
    const reencoded = encodePaymentSignature(decoded)
    expect(reencoded).toMatch(/^[A-Za-z0-9+/]*={0,2}$/)
    expect(reencoded.length % 4).toBe(0)
    expect(toUrlSafeUnpadded(reencoded)).toBe(nvm.accessToken)
    expect(valueOf(decodePaymentSignature(reencoded))).toEqual(nvm.accessTokenDecoded)
  })
})

describe('decoded values', () => {
  it('keep the key order of the wire, not the schema', () => {
    const decoded = valueOf(decodePaymentSignature(v2.paymentSignatureHeader))
    // The reference client writes payload before accepted; the schema lists accepted first.
    expect(Object.keys(decoded)).toEqual(['x402Version', 'payload', 'resource', 'accepted'])
  })

  it('keep unknown keys, in place', () => {
    const value = { zeta: 1, ...v2.paymentPayload, accepted: { custom: true, ...v2.paymentPayload.accepted } }
    const header = encodeBase64Json(value)
    const decoded = valueOf(decodePaymentSignature(header))
    expect(decoded).toEqual(value)
    expect(encodePaymentSignature(decoded)).toBe(header)
  })
})

describe('input forms', () => {
  it('reads url-safe unpadded base64', () => {
    const header = toUrlSafeUnpadded(v2.paymentSignatureHeader)
    expect(header).not.toBe(v2.paymentSignatureHeader)
    expect(valueOf(decodePaymentSignature(header))).toEqual(v2.paymentPayload)
  })

  it('reads standard base64 without padding', () => {
    const header = v2.paymentSignatureHeader.replace(/=+$/, '')
    expect(header).not.toBe(v2.paymentSignatureHeader)
    expect(valueOf(decodePaymentSignature(header))).toEqual(v2.paymentPayload)
  })

  it('round-trips non-ASCII text as UTF-8', () => {
    const paymentRequired: PaymentRequired = {
      ...v2.paymentRequired,
      resource: { url: 'https://api.example.com/prämie', description: 'Prämie — 日本語 ☕ 🚀' },
    }
    const header = encodePaymentRequired(paymentRequired)
    expect(header).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
    expect(valueOf(decodePaymentRequired(header))).toEqual(paymentRequired)
  })
})

describe('size limit', () => {
  // A valid PAYMENT-SIGNATURE of exactly `size` characters, padded with an extension.
  function signatureOfLength(size: number): string {
    const payload = (filler: string): PaymentPayload => ({ ...v2.paymentPayload, extensions: { filler } })
    const overhead = JSON.stringify(payload('')).length
    const header = encodePaymentSignature(payload('x'.repeat((size / 4) * 3 - overhead)))
    expect(header.length).toBe(size)
    return header
  }

  it('accepts a header of exactly the default limit', () => {
    const header = signatureOfLength(DEFAULT_MAX_HEADER_BYTES)
    expect(decodePaymentSignature(header).ok).toBe(true)
  })

  it('refuses one byte over, with the limit and the size', () => {
    const header = signatureOfLength(DEFAULT_MAX_HEADER_BYTES) + '='
    const error = errorOf(decodePaymentSignature(header))
    expect(error.code).toBe('header_too_large')
    expect(error.status).toBe(402)
    expect(error.details).toMatchObject({ limit: 8192, size: 8193 })
    expect(error.message).toContain('8192')
  })

  it('takes a custom limit', () => {
    const size = v2.paymentSignatureHeader.length
    expect(decodePaymentSignature(v2.paymentSignatureHeader, { maxBytes: size }).ok).toBe(true)
    expect(errorOf(decodePaymentSignature(v2.paymentSignatureHeader, { maxBytes: size - 1 })).code).toBe('header_too_large')
    expect(errorOf(decodeXPayment(v1.xPaymentHeader, { maxBytes: 100 })).code).toBe('header_too_large')
  })

  it('refuses a 1 MB header before decoding it', () => {
    // Not base64 at all: had it been decoded, the error would be malformed_payment.
    const huge = '!'.repeat(1024 * 1024)
    const error = errorOf(decodePaymentSignature(huge))
    expect(error.code).toBe('header_too_large')
    expect(error.details).toMatchObject({ limit: 8192, size: 1024 * 1024 })
    expect(errorOf(readProof(new Headers({ 'X-PAYMENT': huge }))).code).toBe('header_too_large')
  })
})

describe('malformed headers', () => {
  it('not base64', () => {
    const error = errorOf(decodePaymentSignature('not base64!'))
    expect(error.code).toBe('malformed_payment')
    expect(error.message).toMatch(/PAYMENT-SIGNATURE.*base64/)
    expect(error.details.header).toBe('PAYMENT-SIGNATURE')
  })

  it('base64 of something that is not JSON', () => {
    const error = errorOf(decodeXPayment(encodeBase64('hello')))
    expect(error.code).toBe('malformed_payment')
    expect(error.message).toMatch(/X-PAYMENT.*JSON/)
  })

  it.each(['[1,2]', '"text"', 'null', '42', 'true'])('JSON that is not an object: %s', (json) => {
    const error = errorOf(decodePaymentSignature(encodeBase64(json)))
    expect(error.code).toBe('malformed_payment')
    expect(error.details.expected).toBe('a JSON object')
  })

  it('an empty header', () => {
    expect(errorOf(decodePaymentSignature('')).code).toBe('malformed_payment')
  })

  it('never throws, even on a value that is not a string', () => {
    expect(errorOf(decodePaymentSignature(undefined as unknown as string)).code).toBe('malformed_payment')
    expect(errorOf(decodePaymentRequiredV1Body(undefined)).code).toBe('malformed_payment')
  })
})

describe('schema failures name the field', () => {
  function signatureWith(change: (payload: any) => void): string {
    const payload = structuredClone(v2.paymentPayload)
    change(payload)
    return encodeBase64Json(payload)
  }

  it('a missing nested field', () => {
    const error = errorOf(decodePaymentSignature(signatureWith((p) => delete p.accepted.network)))
    expect(error.code).toBe('malformed_payment')
    expect(error.details).toMatchObject({ path: 'accepted.network', expected: 'a non-empty string' })
    expect(error.message).toContain('accepted.network')
    expect(error.message).toContain('a non-empty string')
    expect(error.message).toContain('missing')
  })

  it('a missing top-level field', () => {
    const error = errorOf(decodePaymentSignature(signatureWith((p) => delete p.accepted)))
    expect(error.details).toMatchObject({ path: 'accepted', expected: 'an object' })
  })

  it('a field of the wrong type', () => {
    const error = errorOf(decodePaymentSignature(signatureWith((p) => (p.accepted.maxTimeoutSeconds = '300'))))
    expect(error.details).toMatchObject({ path: 'accepted.maxTimeoutSeconds', expected: 'a positive integer' })
    expect(error.message).toContain('"300"')
  })

  it('an amount that is not a decimal integer', () => {
    const error = errorOf(decodePaymentSignature(signatureWith((p) => (p.accepted.amount = '0.01'))))
    expect(error.details).toMatchObject({ path: 'accepted.amount', expected: EXPECTED.decimalInteger })
  })

  it('a field inside an array', () => {
    const value = { ...v2.paymentRequired, accepts: [{ ...v2.paymentRequired.accepts[0], scheme: '' }] }
    const error = errorOf(decodePaymentRequired(encodeBase64Json(value)))
    expect(error.details).toMatchObject({ path: 'accepts[0].scheme', expected: 'a non-empty string' })
  })

  it('an empty accepts list', () => {
    const error = errorOf(decodePaymentRequired(encodeBase64Json({ ...v2.paymentRequired, accepts: [] })))
    expect(error.details).toMatchObject({ path: 'accepts', expected: 'a non-empty array' })
  })

  it('a v1 proof without its scheme', () => {
    const { scheme: _scheme, ...rest } = v1.xPayment
    const error = errorOf(decodeXPayment(encodeBase64Json(rest)))
    expect(error.details).toMatchObject({ path: 'scheme', header: 'X-PAYMENT' })
  })

  it('a missing x402Version', () => {
    const { x402Version: _version, ...rest } = v2.paymentPayload
    const error = errorOf(decodePaymentSignature(encodeBase64Json(rest)))
    expect(error.code).toBe('malformed_payment')
    expect(error.details).toMatchObject({ path: 'x402Version', expected: '2' })
  })
})

describe('versions', () => {
  it('a v1 payment in PAYMENT-SIGNATURE', () => {
    const error = errorOf(decodePaymentSignature(v1.xPaymentHeader))
    expect(error.code).toBe('unsupported_version')
    expect(error.message).toMatch(/PAYMENT-SIGNATURE carries x402 version 2.*x402Version 1/)
    expect(error.details).toMatchObject({ expected: '2', found: 1 })
  })

  it('a v2 payment in X-PAYMENT', () => {
    const error = errorOf(decodeXPayment(v2.paymentSignatureHeader))
    expect(error.code).toBe('unsupported_version')
    expect(error.details).toMatchObject({ expected: '1', found: 2 })
  })

  it('an unknown version', () => {
    const error = errorOf(decodePaymentRequired(encodeBase64Json({ ...v2.paymentRequired, x402Version: 3 })))
    expect(error.code).toBe('unsupported_version')
    expect(error.message).toContain('3')
  })

  it('a v2 object as a v1 402 body', () => {
    expect(errorOf(decodePaymentRequiredV1Body(v2.paymentRequired)).code).toBe('unsupported_version')
  })
})

describe('readProof', () => {
  it('returns null when there is no proof', () => {
    expect(readProof(new Headers())).toBeNull()
    expect(readProof(new Headers({ 'PAYMENT-SIGNATURE': '' }))).toBeNull()
  })

  it('reads a v2 proof, whatever the case of the header name', () => {
    const raw = v2.paymentSignatureHeader
    const request = new Request('https://api.example.com/premium', { headers: { 'payment-signature': raw } })
    expect(valueOf(readProof(request.headers))).toEqual({
      x402Version: 2,
      header: 'PAYMENT-SIGNATURE',
      raw,
      payload: v2.paymentPayload,
    })
  })

  it('reads a v1 proof', () => {
    const raw = v1.xPaymentHeader
    expect(valueOf(readProof(new Headers({ 'x-payment': raw })))).toEqual({
      x402Version: 1,
      header: 'X-PAYMENT',
      raw,
      payload: v1.xPayment,
    })
  })

  it('keeps a Nevermined token verbatim in raw', () => {
    const proof = valueOf(readProof(new Headers({ 'PAYMENT-SIGNATURE': nvm.accessToken })))
    expect(proof.raw).toBe(nvm.accessToken)
    expect(proof.payload).toEqual(nvm.accessTokenDecoded)
  })

  it('prefers PAYMENT-SIGNATURE when both are present', () => {
    const headers = new Headers({ 'X-PAYMENT': v1.xPaymentHeader, 'PAYMENT-SIGNATURE': v2.paymentSignatureHeader })
    const proof = valueOf(readProof(headers))
    expect(proof.header).toBe('PAYMENT-SIGNATURE')
    expect(proof.x402Version).toBe(2)
  })

  it('does not fall back to X-PAYMENT when PAYMENT-SIGNATURE is bad', () => {
    const headers = new Headers({ 'X-PAYMENT': v1.xPaymentHeader, 'PAYMENT-SIGNATURE': 'bad!' })
    const error = errorOf(readProof(headers))
    expect(error.code).toBe('malformed_payment')
    expect(error.details.header).toBe('PAYMENT-SIGNATURE')
  })

  it('passes the size limit on', () => {
    const headers = new Headers({ 'PAYMENT-SIGNATURE': v2.paymentSignatureHeader })
    expect(errorOf(readProof(headers, { maxBytes: 64 })).code).toBe('header_too_large')
  })
})

describe('decodeAnyHeader', () => {
  it.each([
    ['PAYMENT-REQUIRED', v2.paymentRequiredHeader, 2, v2.paymentRequired],
    ['payment-signature', v2.paymentSignatureHeader, 2, v2.paymentPayload],
    ['Payment-Response', v2.paymentResponseHeader, undefined, v2.settleResponse],
    ['x-payment', v1.xPaymentHeader, 1, v1.xPayment],
    ['X-PAYMENT-RESPONSE', v1.xPaymentResponseHeader, undefined, valueOf(decodePaymentResponse(v1.xPaymentResponseHeader))],
  ])('%s', (name, raw, x402Version, value) => {
    const decoded = valueOf(decodeAnyHeader(name, raw))
    expect(decoded).toEqual({ header: name.toUpperCase(), x402Version, value })
  })

  it('ignores whitespace around a pasted value', () => {
    expect(valueOf(decodeAnyHeader('x-payment', `  ${v1.xPaymentHeader}\n`)).value).toEqual(v1.xPayment)
  })

  it('checks the version the header carries', () => {
    expect(errorOf(decodeAnyHeader('X-PAYMENT', v2.paymentSignatureHeader)).code).toBe('unsupported_version')
  })

  it('names the headers it knows when given another', () => {
    const error = errorOf(decodeAnyHeader('Authorization', v2.paymentSignatureHeader))
    expect(error.message).toContain('Authorization')
    expect(error.message).toContain('PAYMENT-SIGNATURE')
  })
})

describe('receipts', () => {
  it('a failed settlement round-trips', () => {
    const failed = { success: false, errorReason: 'insufficient_funds', transaction: '', network: 'eip155:84532' }
    const header = encodePaymentResponse(failed)
    expect(valueOf(decodePaymentResponse(header))).toEqual(failed)
  })

  it('a receipt without its verdict is refused', () => {
    const error = errorOf(decodePaymentResponse(encodeBase64Json({ transaction: '0x1', network: 'eip155:8453' })))
    expect(error.details).toMatchObject({ path: 'success', expected: 'a boolean' })
  })
})
