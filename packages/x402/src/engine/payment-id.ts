// What makes a payment single: the key the replay guard locks and remembers. A proof re-encoded another way
// (url-safe base64, other key order, v1 instead of v2) is still the same payment when it carries the same
// authorisation, so an authorisation nonce wins over the header's bytes.
import type { DecodedProof } from '../codec/types.js'

export function paymentId(proof: DecodedProof, network: string, tokenHash: string): string {
  const authorization = (proof.payload.payload as { authorization?: { from?: unknown; nonce?: unknown } }).authorization
  const { from, nonce } = authorization ?? {}
  if (typeof nonce === 'string' && nonce !== '') {
    const payer = typeof from === 'string' ? from.toLowerCase() : ''
    return `nonce:${network}:${payer}:${nonce.toLowerCase()}`
  }
  return `token:${tokenHash}`
}

/** When the proof's authorisation expires (EIP-3009 validBefore), in ms since the epoch; undefined when it does not say. */
export function authorizationExpiresAt(proof: DecodedProof): number | undefined {
  const authorization = (proof.payload.payload as { authorization?: { validBefore?: unknown } }).authorization
  const validBefore = Number(authorization?.validBefore)
  return Number.isFinite(validBefore) && validBefore > 0 ? validBefore * 1000 : undefined
}
