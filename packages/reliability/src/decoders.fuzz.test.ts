// Issue 6, part (2): every decoder of packages/x402/src/codec/headers.ts on arbitrary text, base64 of arbitrary
// JSON and mutated reference vectors. None may throw; each answers { ok: true, value } or { ok: false, error }
// with a TollgateError whose code is in the table, in bounded time.
import {
  ERROR_STATUS,
  TollgateError,
  decodeAnyHeader,
  decodePaymentRequired,
  decodePaymentRequiredV1Body,
  decodePaymentResponse,
  decodePaymentSignature,
  decodeXPayment,
  readProof,
  type Decoded,
} from '@tollgate/x402'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { anyText, base64OfJson, headerSafe, jsonMutation, mutateJson, mutatedVectors } from './support/arbitraries.js'
import { FUZZ_RUNS, SEED } from './support/size.js'
import { boundedTime } from './support/timing.js'
import { watchForTokens } from './support/token-watch.js'
import { readVector } from './support/vectors.js'

const watch = watchForTokens()
const v1 = readVector('x402-v1.json')
const v2 = readVector('x402-v2.json')
const nvm = readVector('nevermined.json')
for (const token of [v1.xPaymentHeader, v2.paymentSignatureHeader, nvm.accessToken]) watch.token(token)

/** Codes a header decoder may answer with; `invalid_options` only for decodeAnyHeader's unknown names. */
const DECODER_CODES = new Set(['malformed_payment', 'header_too_large', 'unsupported_version'])
const CAP_MS = 50
const timer = boundedTime(CAP_MS)
const runs = { numRuns: FUZZ_RUNS, seed: SEED }

function expectDecoded(result: Decoded<unknown> | null, codes: ReadonlySet<string> = DECODER_CODES): void {
  if (result === null) return
  if (result.ok === true) {
    if (typeof result.value !== 'object' || result.value === null) throw new Error('ok: true without an object value')
    return
  }
  if (result.ok !== false) throw new Error(`neither ok: true nor ok: false: ${JSON.stringify(result)}`)
  if (!(result.error instanceof TollgateError)) throw new Error(`the error is not a TollgateError: ${String(result.error)}`)
  if (!(result.error.code in ERROR_STATUS)) throw new Error(`code ${result.error.code} is not in the table`)
  if (!codes.has(result.error.code)) throw new Error(`unexpected code ${result.error.code}: ${result.error.message}`)
}

const proofObjects = [v2.paymentPayload, v1.xPayment, JSON.parse(atob(nvm.accessToken))]
const proofHeaders = [v2.paymentSignatureHeader, v1.xPaymentHeader, nvm.accessToken]
const anyHeaderValue = fc.oneof(anyText, base64OfJson, mutatedVectors(proofObjects, proofHeaders))

describe('the valid vectors decode (the properties below can tell ok from not ok)', () => {
  it('decodes each reference header', () => {
    expect(decodePaymentSignature(v2.paymentSignatureHeader).ok).toBe(true)
    expect(decodeXPayment(v1.xPaymentHeader).ok).toBe(true)
    expect(decodePaymentRequired(v2.paymentRequiredHeader).ok).toBe(true)
    expect(decodePaymentResponse(v2.paymentResponseHeader).ok).toBe(true)
    expect(decodePaymentRequiredV1Body(v1.body402).ok).toBe(true)
    expect(decodeAnyHeader('payment-signature', nvm.accessToken).ok).toBe(true)
  })
})

describe(`decoders under fuzzing (${FUZZ_RUNS} cases per property)`, () => {
  it.each([
    ['decodePaymentSignature', decodePaymentSignature, [v2.paymentPayload, JSON.parse(atob(nvm.accessToken))], [v2.paymentSignatureHeader, nvm.accessToken]],
    ['decodeXPayment', decodeXPayment, [v1.xPayment], [v1.xPaymentHeader]],
    ['decodePaymentRequired', decodePaymentRequired, [v2.paymentRequired, nvm.paymentRequired], [v2.paymentRequiredHeader, nvm.paymentRequiredHeader]],
    ['decodePaymentResponse', decodePaymentResponse, [v2.settleResponse], [v2.paymentResponseHeader, v1.xPaymentResponseHeader]],
  ] as const)('%s never throws and answers ok or a tabled error', (name, decode, objects, headers) => {
    const values = fc.oneof(anyText, base64OfJson, mutatedVectors(objects, headers))
    fc.assert(
      fc.property(values, fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }), (value, maxBytes) => {
        expectDecoded(timer.time(() => decode(value, maxBytes === undefined ? undefined : { maxBytes }), name))
      }),
      runs,
    )
  })

  it('decodePaymentRequiredV1Body never throws on any JSON value, mutated bodies, or any JS value', () => {
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }),
      fc.tuple(fc.constantFrom(v1.body402, v2.paymentRequired), jsonMutation).map(([body, mutation]) => mutateJson(body, mutation)),
      fc.anything({ maxDepth: 3, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true }),
    )
    fc.assert(
      fc.property(bodies, (body) => {
        expectDecoded(timer.time(() => decodePaymentRequiredV1Body(body), 'decodePaymentRequiredV1Body'))
      }),
      runs,
    )
  })

  it('decodeAnyHeader never throws, for any header name and value', () => {
    const names = fc.oneof(
      fc.constantFrom('PAYMENT-SIGNATURE', 'payment-signature', ' X-Payment ', 'x-payment-response', 'Payment-Required', 'PAYMENT-RESPONSE'),
      fc.string({ unit: 'binary', maxLength: 30 }),
    )
    fc.assert(
      fc.property(names, anyHeaderValue, (name, value) => {
        expectDecoded(timer.time(() => decodeAnyHeader(name, value), 'decodeAnyHeader'), new Set([...DECODER_CODES, 'invalid_options']))
      }),
      runs,
    )
  })

  // Found by the full run (seed 20260402, case 11825): a plain-object lookup let '__proto__' and 'constructor'
  // reach Object.prototype's members.
  it('decodeAnyHeader does not throw for header names inherited from Object.prototype', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expectDecoded(decodeAnyHeader(name, 'eyJ4NDAyVmVyc2lvbiI6MX0='), new Set(['invalid_options']))
    }
  })

  it('readProof never throws, for any PAYMENT-SIGNATURE / X-PAYMENT pair', () => {
    const value = fc.option(anyHeaderValue.map(headerSafe), { nil: undefined })
    fc.assert(
      fc.property(value, value, (signature, xPayment) => {
        const headers = new Headers()
        if (signature !== undefined) headers.set('PAYMENT-SIGNATURE', signature)
        if (xPayment !== undefined) headers.set('X-PAYMENT', xPayment)
        expectDecoded(timer.time(() => readProof(headers), 'readProof'))
      }),
      runs,
    )
  })

  it('stays under the time cap per input', () => {
    watch.print(`reliability: decoders, slowest input ${timer.maxMs.toFixed(2)} ms (cap ${CAP_MS} ms), ${FUZZ_RUNS} cases per property`)
    expect(timer.maxMs).toBeGreaterThan(0)
    expect(timer.maxMs).toBeLessThanOrEqual(CAP_MS)
  })
})

describe('tokens', () => {
  it('no event or log line of this file carries a token', () => {
    expect(watch.leaks()).toEqual([])
  })
})
