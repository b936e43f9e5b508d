// Reads the proof header of a request, remembering the last proofs seen: a reusable token (a credits plan's
// access token) is decoded and validated once, not on every request that carries it.
import { decodeProof } from '../codec/headers.js'
import type { Decoded, HeaderReader } from '../codec/headers.js'
import type { DecodedProof } from '../codec/types.js'

const MEMO_SIZE = 1024

export function createProofReader(maxBytes: number) {
  // The whole answer is kept (frozen), so that a hit allocates nothing.
  const memo = new Map<string, Decoded<DecodedProof>>()
  return function read(headers: HeaderReader): Decoded<DecodedProof> | null {
    const signature = headers.get('payment-signature')
    const raw = signature || headers.get('x-payment')
    if (!raw) return null
    const known = memo.get(raw)
    // The same bytes under the other header name would be another generation: only reuse a same-header hit.
    if (known?.ok && known.value.x402Version === (signature ? 2 : 1)) return known
    const found = decodeProof(raw, !!signature, { maxBytes })
    if (found.ok) {
      if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value as string)
      memo.set(raw, Object.freeze({ ok: true, value: Object.freeze(found.value) }))
    }
    return found
  }
}
