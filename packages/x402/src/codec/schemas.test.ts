import { readVector } from '../test-support/vectors.js'
import { describe, expect, it } from 'vitest'
import {
  PaymentPayloadSchema,
  PaymentPayloadV1Schema,
  PaymentRequiredSchema,
  PaymentRequiredV1Schema,
  PaymentRequirementsSchema,
  PaymentRequirementsV1Schema,
  ResourceInfoSchema,
  SettleResponseSchema,
  SupportedResponseSchema,
  VerifyResponseSchema,
} from './schemas.js'

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
    const result = schema.safeParse(value)
    expect(result.success).toBe(true)
    // Loose objects: nothing is dropped (Nevermined's agentRequestId, creditsRedeemed...).
    expect(result.data).toEqual(value)
  })
})

describe('PaymentRequirementsSchema', () => {
  it('keeps unknown keys, so schemes we do not know pass through', () => {
    const value = { scheme: 'upto', network: 'eip155:8453', maxAmount: '5', extra: { nested: [1] } }
    expect(PaymentRequirementsSchema.parse(value)).toEqual(value)
  })

  it('needs only scheme and network', () => {
    expect(PaymentRequirementsSchema.safeParse({ scheme: 'nvm:card-delegation', network: 'stripe' }).success).toBe(true)
    expect(PaymentRequirementsSchema.safeParse({ scheme: 'exact' }).success).toBe(false)
    expect(PaymentRequirementsSchema.safeParse({ network: 'eip155:8453' }).success).toBe(false)
    expect(PaymentRequirementsSchema.safeParse({ scheme: '', network: 'eip155:8453' }).success).toBe(false)
    expect(PaymentRequirementsSchema.safeParse({ scheme: 'exact', network: '' }).success).toBe(false)
  })

  it.each(['10.5', '-1', '1e6', '', ' 1', '0x10', 10000])('rejects amount %j', (amount) => {
    expect(PaymentRequirementsSchema.safeParse({ ...exactRequirements, amount }).success).toBe(false)
  })

  it.each(['0', '10000', '115792089237316195423570985008687907853269984665640564039457584007913129639935'])(
    'accepts amount %j',
    (amount) => {
      expect(PaymentRequirementsSchema.safeParse({ ...exactRequirements, amount }).success).toBe(true)
    },
  )

  it.each([0, -5, 1.5, '300', null])('rejects maxTimeoutSeconds %j', (maxTimeoutSeconds) => {
    expect(PaymentRequirementsSchema.safeParse({ ...exactRequirements, maxTimeoutSeconds }).success).toBe(false)
  })

  it.each([[['USDC']], ['USDC'], [null]])('rejects extra %j', (extra) => {
    expect(PaymentRequirementsSchema.safeParse({ ...exactRequirements, extra }).success).toBe(false)
  })
})

describe('PaymentRequiredSchema', () => {
  it('needs at least one way to pay', () => {
    expect(PaymentRequiredSchema.safeParse({ ...v2.paymentRequired, accepts: [] }).success).toBe(false)
  })

  it('takes resource as an object, never a bare string', () => {
    expect(PaymentRequiredSchema.safeParse({ ...v2.paymentRequired, resource: 'https://api.example.com' }).success).toBe(false)
    expect(ResourceInfoSchema.safeParse({ url: '/ask' }).success).toBe(true)
    expect(ResourceInfoSchema.safeParse({ description: 'no url' }).success).toBe(false)
  })

  it('is version 2 only', () => {
    expect(PaymentRequiredSchema.safeParse({ ...v2.paymentRequired, x402Version: 1 }).success).toBe(false)
  })
})

describe('PaymentPayloadSchema', () => {
  it('needs accepted and an object payload', () => {
    const { accepted: _accepted, ...withoutAccepted } = v2.paymentPayload
    expect(PaymentPayloadSchema.safeParse(withoutAccepted).success).toBe(false)
    expect(PaymentPayloadSchema.safeParse({ ...v2.paymentPayload, payload: [] }).success).toBe(false)
    expect(PaymentPayloadSchema.safeParse({ ...v2.paymentPayload, payload: '0xsig' }).success).toBe(false)
  })

  it('leaves resource and extensions optional', () => {
    const { resource: _resource, ...withoutResource } = v2.paymentPayload
    expect(PaymentPayloadSchema.safeParse(withoutResource).success).toBe(true)
  })
})

describe('v1 schemas', () => {
  it('needs every field a v1 client relies on', () => {
    for (const key of ['maxAmountRequired', 'asset', 'payTo', 'resource', 'description', 'mimeType', 'maxTimeoutSeconds']) {
      const { [key]: _dropped, ...rest } = requirementsV1
      expect(PaymentRequirementsV1Schema.safeParse(rest).success, key).toBe(false)
    }
  })

  it('takes resource as a URL string and maxAmountRequired as a decimal string', () => {
    expect(PaymentRequirementsV1Schema.safeParse({ ...requirementsV1, resource: { url: '/a' } }).success).toBe(false)
    expect(PaymentRequirementsV1Schema.safeParse({ ...requirementsV1, maxAmountRequired: '0.01' }).success).toBe(false)
  })

  it('X-PAYMENT needs scheme, network and an object payload', () => {
    expect(PaymentPayloadV1Schema.safeParse({ ...v1.xPayment, network: undefined }).success).toBe(false)
    expect(PaymentPayloadV1Schema.safeParse({ ...v1.xPayment, payload: null }).success).toBe(false)
    expect(PaymentPayloadV1Schema.safeParse({ ...v1.xPayment, x402Version: 2 }).success).toBe(false)
  })
})

describe('facilitator answers', () => {
  it('take any reason string', () => {
    const failed = { success: false, transaction: '', network: 'eip155:84532', errorReason: 'some_new_reason' }
    expect(SettleResponseSchema.parse(failed)).toEqual(failed)
    const invalid = { isValid: false, invalidReason: 'invalid_exact_evm_payload_authorization_valid_before', payer: '0x1' }
    expect(VerifyResponseSchema.parse(invalid)).toEqual(invalid)
  })

  it('reject answers without their verdict', () => {
    expect(VerifyResponseSchema.safeParse({ invalidReason: 'x' }).success).toBe(false)
    expect(VerifyResponseSchema.safeParse({ isValid: 'true' }).success).toBe(false)
    expect(SettleResponseSchema.safeParse({ success: true, network: 'eip155:8453' }).success).toBe(false)
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
    expect(SupportedResponseSchema.parse(supported)).toEqual(supported)
    expect(SupportedResponseSchema.safeParse({ kinds: [{ scheme: 'exact', network: 'x' }] }).success).toBe(false)
    expect(SupportedResponseSchema.safeParse({}).success).toBe(false)
  })
})
