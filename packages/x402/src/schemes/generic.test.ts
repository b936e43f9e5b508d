import { describe, expect, it } from 'vitest'
import type { DecodedProof } from '../codec/types.js'
import { exact } from '../requirements/options.js'
import type { PaymentOption } from '../requirements/types.js'
import { schemeOfOption } from './generic.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const proof = { x402Version: 2, raw: 'x', payload: { x402Version: 2, accepted: {}, payload: { payer: '0xabc' } } } as unknown as DecodedProof

describe('the scheme of an option built by hand', () => {
  it('is the registered scheme of its wire name and network', () => {
    const { scheme, ...byHand } = exact({ price: '$0.01', network: 'base', payTo: PAY_TO })
    expect(schemeOfOption(byHand)).toBe(scheme)
  })

  it('follows the option singleUse flag for a scheme nobody registered', () => {
    const option = (singleUse: boolean): PaymentOption => ({ requirements: { scheme: 'mine', network: 'x:1' }, amount: '1', amountOnWire: true, singleUse })
    expect(schemeOfOption(option(true)).replay(proof, 'x:1')).toEqual({})
    expect(schemeOfOption(option(false)).replay(proof, 'x:1')).toBeUndefined()
    expect(schemeOfOption(option(false)).payer(proof)).toBe('0xabc')
  })
})
