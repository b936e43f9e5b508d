import { describe, expect, it } from 'vitest'
import type { DecodedProof } from '../../codec/types.js'
import { vector } from '../../nevermined/test-backend.js'
import { nvmPlan } from './scheme.js'

const NETWORK = 'eip155:84532'
const decoded = vector.accessTokenDecoded
const proofOf = (payload: unknown) => ({ x402Version: 2, raw: 'x', payload }) as unknown as DecodedProof

describe('the Nevermined plan scheme', () => {
  it('reads the payer of an access token', () => {
    expect(nvmPlan.payer(proofOf(decoded))).toBe(decoded.payload.authorization.from)
  })

  it('makes a v3 token (authorization.nonce) single-use, keyed by payer and nonce; v1/v2 tokens stay reusable', () => {
    expect(nvmPlan.replay(proofOf(decoded), NETWORK)).toBeUndefined()
    const v3 = { ...decoded, payload: { ...decoded.payload, authorization: { ...decoded.payload.authorization, nonce: '0xAB12' } } }
    expect(nvmPlan.replay(proofOf(v3), NETWORK)).toEqual({ id: `nvm:${NETWORK}:${decoded.payload.authorization.from.toLowerCase()}:0xAB12` })
  })

  it('lets the handler burn fewer credits than verified, not more, and gives no receipt for nothing charged', () => {
    expect(nvmPlan.charge).toBe('at-most')
    expect(nvmPlan.zeroReceipt).toBeUndefined()
  })
})
