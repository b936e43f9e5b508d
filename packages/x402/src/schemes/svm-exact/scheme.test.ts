import { describe, expect, it } from 'vitest'
import type { DecodedProof } from '../../codec/types.js'
import { paymentInstructions, signedTransaction, startSvmCast } from '../../svm/test-support.js'
import { schemeFor } from '../registry.js'
import { svmExactScheme } from './scheme.js'

const proofOf = (payload: Record<string, unknown>, version: 1 | 2 = 2) =>
  ({ x402Version: version, header: '', raw: '', payload: version === 2 ? { x402Version: 2, accepted: {}, payload } : { x402Version: 1, scheme: 'exact', network: 'solana', payload } }) as unknown as DecodedProof

describe('svmExactScheme', () => {
  it('is the registered exact scheme of every Solana network', () => {
    expect(schemeFor('exact', 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')).toBe(svmExactScheme)
    expect(schemeFor('exact', 'eip155:8453')).not.toBe(svmExactScheme)
  })

  it('reads the payer and names the payment by the buyer signature, in v1 and v2 alike', async () => {
    const cast = await startSvmCast()
    const transaction = await signedTransaction(cast, await paymentInstructions(cast))
    const v2 = proofOf({ transaction })
    const v1 = proofOf({ transaction }, 1)
    expect(svmExactScheme.payer(v2)).toBe(cast.buyer.address)
    const id = svmExactScheme.replay(v2, cast.world.network)?.id
    expect(id).toMatch(/^svm:[1-9A-HJ-NP-Za-km-z]{64,88}$/)
    expect(svmExactScheme.replay(v1, cast.world.network)?.id).toBe(id)
    expect(svmExactScheme.replay(v2, cast.world.network)?.expiresAt).toBeGreaterThan(Date.now())
    expect(svmExactScheme.checkPayload?.(v2)).toBeUndefined()
  })

  it('refuses a payload without a readable transaction before any facilitator call, and still locks it', () => {
    const proof = proofOf({ transaction: 'bm9wZQ==' })
    expect(svmExactScheme.checkPayload?.(proof)).toMatch(/no readable Solana transaction/)
    expect(svmExactScheme.payer(proof)).toBeUndefined()
    expect(svmExactScheme.replay(proof, 'solana:x')).toMatchObject({ expiresAt: expect.any(Number) })
  })
})
