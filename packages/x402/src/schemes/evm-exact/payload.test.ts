import { describe, expect, it } from 'vitest'
import type { DecodedProof } from '../../codec/types.js'
import { evmPayer, evmReplay } from './payload.js'

const FROM = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const NETWORK = 'eip155:84532'

function proof(payload: Record<string, unknown>): DecodedProof {
  return { x402Version: 2, raw: 'x', payload: { x402Version: 2, accepted: { scheme: 'exact', network: NETWORK }, payload } } as unknown as DecodedProof
}

describe('EVM payloads, as the engine reads them through the exact and upto schemes', () => {
  it('names an EIP-3009 payment by its payer and nonce, in any case, and keeps it until validBefore', () => {
    const nonce = '0x' + 'AB'.repeat(32)
    const facts = evmReplay(proof({ signature: '0x', authorization: { from: FROM, nonce, validBefore: '2000000000' } }), NETWORK)
    expect(facts).toEqual({ id: `nonce:${NETWORK}:${FROM.toLowerCase()}:${nonce.toLowerCase()}`, expiresAt: 2_000_000_000_000 })
    expect(evmPayer(proof({ authorization: { from: FROM } }))).toBe(FROM)
  })

  it('names a Permit2 payment by payer and nonce, whether the nonce is spelt in decimal or hex', () => {
    const decimal = evmReplay(proof({ permit2Authorization: { from: FROM, nonce: '255', deadline: '1900000000' } }), NETWORK)
    const hex = evmReplay(proof({ permit2Authorization: { from: FROM, nonce: '0xff', deadline: '1900000000' } }), NETWORK)
    expect(decimal.id).toBe(`permit2:${NETWORK}:${FROM.toLowerCase()}:255`)
    expect(hex).toEqual(decimal)
    expect(decimal.expiresAt).toBe(1_900_000_000_000)
  })

  it('leaves a payment it cannot read to the header bytes (no id), still single-use', () => {
    expect(evmReplay(proof({ permit2Authorization: { from: FROM, nonce: 'not a number' } }), NETWORK)).toEqual({})
    expect(evmReplay(proof({ testToken: 't1', payer: FROM }), NETWORK)).toEqual({})
    expect(evmPayer(proof({ testToken: 't1', payer: FROM }))).toBe(FROM)
  })
})
