import { describe, expect, it } from 'vitest'
import { readVector } from '../test-support/vectors.js'
import { paymentPayloadProblem, paymentPayloadV1Problem } from './proof-check.js'
import { PaymentPayloadSchema, PaymentPayloadV1Schema } from './schemas.js'
import { firstProblem } from './validate.js'

const v1 = readVector('x402-v1.json')
const v2 = readVector('x402-v2.json')
const nvm = readVector('nevermined.json')

const accepted = { scheme: 'exact', network: 'eip155:84532', amount: '10000', asset: '0xabc', payTo: '0xdef', maxTimeoutSeconds: 60, extra: { name: 'USDC' } }
const good = { x402Version: 2, resource: { url: 'https://a.example/x', description: 'd', mimeType: 'text/plain' }, accepted, payload: { signature: '0x' }, extensions: {} }

/** `object` with `key` set to `value`, or without it for undefined (JSON has no undefined). */
function withField(object: object, key: string, value: unknown): object {
  const copy: Record<string, unknown> = { ...object }
  if (value === undefined) delete copy[key]
  else copy[key] = value
  return copy
}

/** Every field of the v2 payload replaced by each kind of wrong value, and removed. */
function v2Variants(): object[] {
  const wrong: unknown[] = [undefined, null, '', 'x', '12', 0, 1.5, -1, 2, true, [], {}, [1], { url: 1 }]
  const out: object[] = []
  const top = ['x402Version', 'resource', 'accepted', 'payload', 'extensions', 'unknown']
  for (const key of top) for (const value of wrong) out.push(withField(good, key, value))
  for (const key of [...Object.keys(accepted), 'planId', 'other']) for (const value of wrong) out.push({ ...good, accepted: withField(accepted, key, value) })
  for (const key of ['url', 'description', 'mimeType']) for (const value of wrong) out.push({ ...good, resource: withField(good.resource, key, value) })
  out.push({}, { x402Version: 2 }, { x402Version: 2, accepted: [] }, { x402Version: 2, accepted: {}, payload: [] }, { ...good, accepted: { scheme: '', network: '' } })
  return out
}

function v1Variants(): object[] {
  const base = { x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload: { signature: '0x' } }
  const out: object[] = [{}, base]
  for (const key of ['x402Version', 'scheme', 'network', 'payload']) {
    for (const value of [undefined, null, '', 'x', 1, [], {}]) out.push(withField(base, key, value))
  }
  return out
}

describe('the payment proofs’ own check finds what the valibot schemas find', () => {
  it('accepts the reference vectors', () => {
    expect(paymentPayloadProblem(v2.paymentPayload)).toBeUndefined()
    expect(paymentPayloadProblem(nvm.accessTokenDecoded)).toBeUndefined()
    expect(paymentPayloadV1Problem(v1.xPayment)).toBeUndefined()
  })

  it('v2 (PAYMENT-SIGNATURE): the same first problem, path, words and value, for every field and kind of value', () => {
    const variants = v2Variants()
    let problems = 0
    for (const variant of variants) {
      const expected = firstProblem(PaymentPayloadSchema, variant)
      expect(paymentPayloadProblem(variant), JSON.stringify(variant)).toEqual(expected)
      if (expected) problems++
    }
    expect(problems).toBeGreaterThan(100)
  })

  it('v1 (X-PAYMENT): the same first problem', () => {
    for (const variant of v1Variants()) expect(paymentPayloadV1Problem(variant), JSON.stringify(variant)).toEqual(firstProblem(PaymentPayloadV1Schema, variant))
  })

  it('names a missing accepted network and a bad amount as the decoders always have', () => {
    expect(paymentPayloadProblem({ ...good, accepted: { scheme: 'exact' } })).toEqual({ path: 'accepted.network', expected: 'a non-empty string', actual: undefined })
    expect(paymentPayloadProblem({ ...good, accepted: { ...accepted, amount: '1.5' } })).toMatchObject({ path: 'accepted.amount', actual: '1.5' })
  })
})
