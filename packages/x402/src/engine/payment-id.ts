// What makes a payment single: the key the replay guard locks and remembers. A proof re-encoded another way
// (url-safe base64, other key order, v1 instead of v2) is still the same payment when it carries the same
// authorisation, so an authorisation nonce wins over the header's bytes.
import type { DecodedProof } from '../codec/types.js'

export function paymentId(proof: DecodedProof, network: string, tokenHash: string): string {
  const payload = proof.payload.payload as { authorization?: { from?: unknown; nonce?: unknown }; permit2Authorization?: { from?: unknown; nonce?: unknown } }
  const permit = payload.permit2Authorization
  // Permit2 nonces are per payer across every token and proxy: one permit, one payment.
  if (permit) {
    // Decimal and hex spell one nonce; an unreadable one is not a payment anyone can settle: keyed by its bytes.
    const nonce = typeof permit.nonce === 'string' ? uint(permit.nonce) : undefined
    if (nonce === undefined) return `token:${tokenHash}`
    return `permit2:${network}:${typeof permit.from === 'string' ? permit.from.toLowerCase() : ''}:${nonce}`
  }
  const { from, nonce } = payload.authorization ?? {}
  if (typeof nonce === 'string' && nonce !== '') {
    const payer = typeof from === 'string' ? from.toLowerCase() : ''
    return `nonce:${network}:${payer}:${nonce.toLowerCase()}`
  }
  return `token:${tokenHash}`
}

function uint(text: string): bigint | undefined {
  if (!/^(?:[0-9]{1,78}|0x[0-9a-fA-F]{1,64})$/.test(text)) return undefined
  return BigInt(text)
}

/** When the proof's authorisation expires (EIP-3009 validBefore, Permit2 deadline), in ms since the epoch; undefined when it does not say. */
export function authorizationExpiresAt(proof: DecodedProof): number | undefined {
  const payload = proof.payload.payload as { authorization?: { validBefore?: unknown }; permit2Authorization?: { deadline?: unknown } }
  const validBefore = Number(payload.authorization?.validBefore ?? payload.permit2Authorization?.deadline)
  return Number.isFinite(validBefore) && validBefore > 0 ? validBefore * 1000 : undefined
}
