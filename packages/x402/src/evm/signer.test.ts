import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { decodeBase64Json } from '../codec/base64.js'
import type { PaymentRequirements } from '../codec/types.js'
import { isTollgateError } from '../errors.js'
import { CLOCK_SKEW_SECONDS, createExactPayment } from './signer.js'

const buyer = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const requirements: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:84532',
  amount: '10000',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  maxTimeoutSeconds: 300,
  extra: { name: 'USDC', version: '2' },
}
const now = 1_800_000_000

describe('createExactPayment', () => {
  it('authorises exactly the amount to payTo, from now - 600 s to now + maxTimeoutSeconds', async () => {
    const { authorization } = await createExactPayment({ account: buyer, requirements, now })
    expect(authorization).toMatchObject({
      from: buyer.address,
      to: requirements.payTo,
      value: '10000',
      validAfter: String(now - CLOCK_SKEW_SECONDS),
      validBefore: String(now + 300),
    })
    expect(CLOCK_SKEW_SECONDS).toBe(600)
  })

  it('uses validForSeconds when given', async () => {
    const { authorization } = await createExactPayment({ account: buyer, requirements, now, validForSeconds: 60 })
    expect(authorization.validBefore).toBe(String(now + 60))
  })

  it('draws a fresh random 32-byte nonce each time', async () => {
    const a = await createExactPayment({ account: buyer, requirements, now })
    const b = await createExactPayment({ account: buyer, requirements, now })
    expect(a.authorization.nonce).toMatch(/^0x[0-9a-f]{64}$/)
    expect(a.authorization.nonce).not.toBe(b.authorization.nonce)
  })

  it('builds a v2 PaymentPayload whose header is its standard base64 JSON', async () => {
    const resource = { url: 'https://api.example.com/premium' }
    const payment = await createExactPayment({ account: buyer, requirements, now, resource })
    expect(payment.payload).toMatchObject({ x402Version: 2, accepted: requirements, resource })
    expect(payment.payload.payload).toEqual({ signature: expect.stringMatching(/^0x[0-9a-f]{130}$/), authorization: payment.authorization })
    expect(payment.header).toMatch(/^[A-Za-z0-9+/]+=*$/)
    expect(decodeBase64Json(payment.header)).toEqual(payment.payload)
  })

  it('builds a v1 X-PAYMENT payload with the v1 network name', async () => {
    const payment = await createExactPayment({ account: buyer, requirements, now, x402Version: 1 })
    expect(payment.payload).toEqual({ x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload: expect.any(Object) })
    expect(decodeBase64Json(payment.header)).toEqual(payment.payload)
  })

  it('refuses v1 for a chain that v1 had no name for, unless told the name', async () => {
    const local = { ...requirements, network: 'eip155:31337' }
    const error = await createExactPayment({ account: buyer, requirements: local, x402Version: 1 }).catch((e: unknown) => e)
    expect(isTollgateError(error) && error.code).toBe('unknown_network')
    const named = await createExactPayment({ account: buyer, requirements: local, x402Version: 1, v1Network: 'anvil' })
    expect(named.payload).toMatchObject({ network: 'anvil' })
  })

  it('refuses offers it cannot sign for', async () => {
    for (const bad of [{ ...requirements, scheme: 'nvm:erc4337' }, { ...requirements, network: 'base-sepolia' }, { ...requirements, amount: '0.01' }]) {
      const error = await createExactPayment({ account: buyer, requirements: bad, now }).catch((e: unknown) => e)
      expect(isTollgateError(error), JSON.stringify(bad)).toBe(true)
    }
  })
})
