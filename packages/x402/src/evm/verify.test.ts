import { readVector } from '../test-support/vectors.js'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import type { PaymentPayload, PaymentPayloadV1, PaymentRequirements } from '../codec/types.js'
import { isTollgateError } from '../errors.js'
import { createExactPayment } from './signer.js'
import { recoverExactSigner, verifyExactSignature } from './verify.js'
import type { ExactEvmPayload } from './scheme.js'

const vector = readVector
const v2 = vector<{ paymentRequired: { accepts: PaymentRequirements[] }; paymentPayload: PaymentPayload; expectedPayer: string }>(
  'x402-v2.json',
)
const v1 = vector<{ xPayment: PaymentPayloadV1 }>('x402-v1.json')

const requirements = v2.paymentRequired.accepts[0]!
const vectorPayload = v2.paymentPayload.payload as unknown as ExactEvmPayload
// Inside the vector's window: validAfter 0 <= t <= validBefore - 6.
const clock = Number(vectorPayload.authorization.validBefore) - 3600

function withAuthorization(patch: Partial<ExactEvmPayload['authorization']>): ExactEvmPayload {
  return { ...vectorPayload, authorization: { ...vectorPayload.authorization, ...patch } }
}

describe('verifyExactSignature on the reference vectors', () => {
  it('has the requirements the vectors were signed for', () => {
    expect(requirements).toMatchObject({
      network: 'eip155:84532',
      asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
      extra: { name: 'USDC', version: '2' },
    })
  })

  it('accepts the v2 paymentPayload and names expectedPayer', async () => {
    const result = await verifyExactSignature({ payload: v2.paymentPayload.payload, requirements, now: clock })
    expect(result).toEqual({ isValid: true, payer: v2.expectedPayer })
  })

  it('accepts the v1 xPayment (same authorization) and names expectedPayer', async () => {
    const result = await verifyExactSignature({ payload: v1.xPayment.payload, requirements, now: clock })
    expect(result).toEqual({ isValid: true, payer: v2.expectedPayer })
  })

  it('recovers expectedPayer from the signature alone', async () => {
    const signer = await recoverExactSigner(vectorPayload, { chainId: 84532, asset: requirements.asset as `0x${string}`, name: 'USDC', version: '2' })
    expect(signer).toBe(v2.expectedPayer)
  })

  it('refuses the signature under another domain (Base mainnet USDC, name "USD Coin")', async () => {
    const base = { ...requirements, network: 'eip155:8453', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', extra: { name: 'USD Coin', version: '2' } }
    const result = await verifyExactSignature({ payload: vectorPayload, requirements: base, now: clock })
    expect(result).toMatchObject({ isValid: false, invalidReason: 'invalid_exact_evm_payload_signature', payer: v2.expectedPayer })
  })

  it('refuses an authorization whose signed fields were changed', async () => {
    const tampered = withAuthorization({ nonce: `0x${'11'.repeat(32)}` })
    const result = await verifyExactSignature({ payload: tampered, requirements, now: clock })
    expect(result.invalidReason).toBe('invalid_exact_evm_payload_signature')
  })

  it('refuses once fewer than 6 seconds of validity remain, and accepts at exactly 6', async () => {
    const validBefore = Number(vectorPayload.authorization.validBefore)
    const late = await verifyExactSignature({ payload: vectorPayload, requirements, now: validBefore - 5 })
    expect(late).toMatchObject({ isValid: false, invalidReason: 'invalid_exact_evm_payload_authorization_valid_before' })
    const justInTime = await verifyExactSignature({ payload: vectorPayload, requirements, now: validBefore - 6 })
    expect(justInTime.isValid).toBe(true)
  })

  it('checks the cheap terms before the signature, in PROTOCOL.md order', async () => {
    const cases: Array<[PaymentRequirements, ExactEvmPayload, string]> = [
      [{ ...requirements, scheme: 'upto' }, vectorPayload, 'invalid_scheme'],
      [{ ...requirements, network: 'solana:mainnet' }, vectorPayload, 'invalid_network'],
      [{ ...requirements, payTo: '0x90F79bf6EB2c4f870365E785982E1f101E93b906' }, vectorPayload, 'invalid_exact_evm_payload_recipient_mismatch'],
      [{ ...requirements, amount: '10001' }, vectorPayload, 'invalid_exact_evm_payload_authorization_value_mismatch'],
      [requirements, withAuthorization({ validAfter: String(clock + 1) }), 'invalid_exact_evm_payload_authorization_valid_after'],
    ]
    for (const [req, payload, reason] of cases) {
      const result = await verifyExactSignature({ payload, requirements: req, now: clock })
      expect(result.isValid, reason).toBe(false)
      expect(result.invalidReason).toBe(reason)
      expect(result.invalidMessage).toEqual(expect.any(String))
    }
  })

  it('compares addresses regardless of checksum case', async () => {
    const lower = { ...requirements, payTo: (requirements.payTo as string).toLowerCase() }
    expect((await verifyExactSignature({ payload: vectorPayload, requirements: lower, now: clock })).isValid).toBe(true)
  })

  it('names the bad field of a malformed payload', async () => {
    const result = await verifyExactSignature({ payload: withAuthorization({ value: '1e4' }), requirements, now: clock })
    expect(result).toMatchObject({ isValid: false, invalidReason: 'invalid_exact_evm_payload' })
    expect(result.invalidMessage).toBe('payload.authorization.value is not valid: expected a decimal integer string from 0 to 2^256 - 1.')
    const tooBig = await verifyExactSignature({ payload: withAuthorization({ value: (1n << 256n).toString() }), requirements, now: clock })
    expect(tooBig).toMatchObject({ isValid: false, invalidReason: 'invalid_exact_evm_payload' })
    const missing = await verifyExactSignature({ payload: { signature: '0x12' }, requirements, now: clock })
    expect(missing.invalidMessage).toBe('payload.authorization is not valid: expected an object.')
    const noSender = { ...vectorPayload, authorization: { ...vectorPayload.authorization, from: undefined } }
    const missingFrom = await verifyExactSignature({ payload: noSender, requirements, now: clock })
    expect(missingFrom.invalidMessage).toBe('payload.authorization.from is not valid: expected a 0x-prefixed 20-byte address.')
  })

  it('throws invalid_payment_option when the offer lacks the EIP-712 domain', async () => {
    const error = await verifyExactSignature({ payload: vectorPayload, requirements: { ...requirements, extra: {} }, now: clock }).catch((e: unknown) => e)
    expect(isTollgateError(error) && error.code).toBe('invalid_payment_option')
    expect(isTollgateError(error) && error.details.path).toBe('requirements.extra.name')
  })
})

describe('verifyExactSignature with createExactPayment', () => {
  const buyer = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
  const stranger = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6')
  const now = 1_800_000_000

  it('accepts what the signer produces', async () => {
    const { payload } = await createExactPayment({ account: buyer, requirements, now })
    expect(await verifyExactSignature({ payload: payload.payload, requirements, now })).toEqual({ isValid: true, payer: buyer.address })
  })

  it('refuses a payment signed by another key on behalf of the buyer', async () => {
    const forger = { address: buyer.address, signTypedData: stranger.signTypedData }
    const { payload } = await createExactPayment({ account: forger, requirements, now })
    const result = await verifyExactSignature({ payload: payload.payload, requirements, now })
    expect(result).toMatchObject({ isValid: false, invalidReason: 'invalid_exact_evm_payload_signature', payer: buyer.address })
    expect(result.invalidMessage).toContain(stranger.address)
  })
})
