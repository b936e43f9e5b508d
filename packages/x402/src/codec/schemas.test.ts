import { readVector } from '../test-support/vectors.js'
import { parse, safeParse } from 'valibot'
import { describe, expect, it } from 'vitest'
import {
  PaymentRequiredSchema,
  PaymentRequiredV1Schema,
  PaymentRequirementsV1Schema,
  SettleResponseSchema,
  SupportedResponseSchema,
  VerifyResponseSchema,
} from './answer-schemas.js'
import { PaymentPayloadSchema, PaymentPayloadV1Schema, PaymentRequirementsSchema, ResourceInfoSchema } from './schemas.js'

const vectors = readVector
const v1 = vectors('x402-v1.json')
const v2 = vectors('x402-v2.json')
const nvm = vectors('nevermined.json')

const exactRequirements = v2.paymentRequired.accepts[0]
const requirementsV1 = v1.body402.accepts[0]

describe('schemas accept the reference vectors', () => {
  it.each([
    ['v2 PaymentRequired', PaymentRequiredSchema, v2.paymentRequired],
    ['v2 PaymentPayload', PaymentPayloadSchema, v2.paymentPayload],
    ['v2 SettleResponse', SettleResponseSchema, v2.settleResponse],
    ['v1 402 body', PaymentRequiredV1Schema, v1.body402],
    ['v1 X-PAYMENT', PaymentPayloadV1Schema, v1.xPayment],
    ['Nevermined PaymentRequired', PaymentRequiredSchema, nvm.paymentRequired],
    ['Nevermined access token', PaymentPayloadSchema, nvm.accessTokenDecoded],
    ['Nevermined verify answer', VerifyResponseSchema, nvm.verifyResponse],
    ['Nevermined settle answer', SettleResponseSchema, nvm.settleResponse],
  ])('%s', (_name, schema, value) => {
    const result = safeParse(schema, value)
    expect(result.success).toBe(true)
    // Loose objects: nothing is dropped (Nevermined's agentRequestId, creditsRedeemed...).
    expect(result.output).toEqual(value)
  })
})

describe('PaymentRequirementsSchema', () => {
  it('keeps unknown keys, so schemes we do not know pass through', () => {
    const value = { scheme: 'upto', network: 'eip155:8453', maxAmount: '5', extra: { nested: [1] } }
    expect(parse(PaymentRequirementsSchema, value)).toEqual(value)
  })

  it('needs only scheme and network', () => {
    expect(safeParse(PaymentRequirementsSchema, { scheme: 'nvm:card-delegation', network: 'stripe' }).success).toBe(true)
    expect(safeParse(PaymentRequirementsSchema, { scheme: 'exact' }).success).toBe(false)
    expect(safeParse(PaymentRequirementsSchema, { network: 'eip155:8453' }).success).toBe(false)
    expect(safeParse(PaymentRequirementsSchema, { scheme: '', network: 'eip155:8453' }).success).toBe(false)
    expect(safeParse(PaymentRequirementsSchema, { scheme: 'exact', network: '' }).success).toBe(false)
  })

  it.each(['10.5', '-1', '1e6', '', ' 1', '0x10', 10000])('rejects amount %j', (amount) => {
    expect(safeParse(PaymentRequirementsSchema, { ...exactRequirements, amount }).success).toBe(false)
  })

  it.each(['0', '10000', '115792089237316195423570985008687907853269984665640564039457584007913129639935'])(
    'accepts amount %j',
    (amount) => {
      expect(safeParse(PaymentRequirementsSchema, { ...exactRequirements, amount }).success).toBe(true)
    },
  )

  it.each([0, -5, 1.5, '300', null])('rejects maxTimeoutSeconds %j', (maxTimeoutSeconds) => {
    expect(safeParse(PaymentRequirementsSchema, { ...exactRequirements, maxTimeoutSeconds }).success).toBe(false)
  })

  it.each([[['USDC']], ['USDC'], [null]])('rejects extra %j', (extra) => {
    expect(safeParse(PaymentRequirementsSchema, { ...exactRequirements, extra }).success).toBe(false)
  })
})

describe('PaymentRequiredSchema', () => {
  it('needs at least one way to pay', () => {
    expect(safeParse(PaymentRequiredSchema, { ...v2.paymentRequired, accepts: [] }).success).toBe(false)
  })

  it('takes resource as an object, never a bare string', () => {
    expect(safeParse(PaymentRequiredSchema, { ...v2.paymentRequired, resource: 'https://api.example.com' }).success).toBe(false)
    expect(safeParse(ResourceInfoSchema, { url: '/ask' }).success).toBe(true)
    expect(safeParse(ResourceInfoSchema, { description: 'no url' }).success).toBe(false)
  })

  it('is version 2 only', () => {
    expect(safeParse(PaymentRequiredSchema, { ...v2.paymentRequired, x402Version: 1 }).success).toBe(false)
  })
})

describe('PaymentPayloadSchema', () => {
  it('needs accepted and an object payload', () => {
    const { accepted: _accepted, ...withoutAccepted } = v2.paymentPayload
    expect(safeParse(PaymentPayloadSchema, withoutAccepted).success).toBe(false)
    expect(safeParse(PaymentPayloadSchema, { ...v2.paymentPayload, payload: [] }).success).toBe(false)
    expect(safeParse(PaymentPayloadSchema, { ...v2.paymentPayload, payload: '0xsig' }).success).toBe(false)
  })

  it('leaves resource and extensions optional', () => {
    const { resource: _resource, ...withoutResource } = v2.paymentPayload
    expect(safeParse(PaymentPayloadSchema, withoutResource).success).toBe(true)
  })
})

describe('v1 schemas', () => {
  it('needs every field a v1 client relies on', () => {
    for (const key of ['maxAmountRequired', 'asset', 'payTo', 'resource', 'description', 'mimeType', 'maxTimeoutSeconds']) {
      const { [key]: _dropped, ...rest } = requirementsV1
      expect(safeParse(PaymentRequirementsV1Schema, rest).success, key).toBe(false)
    }
  })

  it('takes resource as a URL string and maxAmountRequired as a decimal string', () => {
    expect(safeParse(PaymentRequirementsV1Schema, { ...requirementsV1, resource: { url: '/a' } }).success).toBe(false)
    expect(safeParse(PaymentRequirementsV1Schema, { ...requirementsV1, maxAmountRequired: '0.01' }).success).toBe(false)
  })

  it('X-PAYMENT needs scheme, network and an object payload', () => {
    expect(safeParse(PaymentPayloadV1Schema, { ...v1.xPayment, network: undefined }).success).toBe(false)
    expect(safeParse(PaymentPayloadV1Schema, { ...v1.xPayment, payload: null }).success).toBe(false)
    expect(safeParse(PaymentPayloadV1Schema, { ...v1.xPayment, x402Version: 2 }).success).toBe(false)
  })
})

describe('facilitator answers', () => {
  it('take any reason string', () => {
    const failed = { success: false, transaction: '', network: 'eip155:84532', errorReason: 'some_new_reason' }
    expect(parse(SettleResponseSchema, failed)).toEqual(failed)
    const invalid = { isValid: false, invalidReason: 'invalid_exact_evm_payload_authorization_valid_before', payer: '0x1' }
    expect(parse(VerifyResponseSchema, invalid)).toEqual(invalid)
  })

  it('reject answers without their verdict', () => {
    expect(safeParse(VerifyResponseSchema, { invalidReason: 'x' }).success).toBe(false)
    expect(safeParse(VerifyResponseSchema, { isValid: 'true' }).success).toBe(false)
    expect(safeParse(SettleResponseSchema, { success: true, network: 'eip155:8453' }).success).toBe(false)
  })

  it('read /supported', () => {
    const supported = {
      kinds: [
        { x402Version: 2, scheme: 'exact', network: 'eip155:84532' },
        { x402Version: 1, scheme: 'exact', network: 'base-sepolia', extra: { feePayer: '0x1' } },
      ],
      extensions: [],
      signers: { 'eip155:*': ['0x1'] },
    }
    expect(parse(SupportedResponseSchema, supported)).toEqual(supported)
    expect(safeParse(SupportedResponseSchema, { kinds: [{ scheme: 'exact', network: 'x' }] }).success).toBe(false)
    expect(safeParse(SupportedResponseSchema, {}).success).toBe(false)
  })
})
