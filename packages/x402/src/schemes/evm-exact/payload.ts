// What the engine needs from an EVM payment's payload (EIP-3009 `authorization` or Permit2 `permit2Authorization`),
// read leniently without viem: the payer it names, its identity for the replay guard, and its expiry.
import type { DecodedProof } from '../../codec/types.js'
import type { ReplayFacts } from '../contract.js'

interface Signed {
  from?: unknown
  nonce?: unknown
  validBefore?: unknown
  deadline?: unknown
}

interface EvmPayload {
  authorization?: Signed
  permit2Authorization?: Signed
  /** A test token's payer (createTestFacilitator). */
  payer?: unknown
}

/** EIP-3009's or Permit2's `from`, else a test token's `payer`. */
export function evmPayer(proof: DecodedProof): string | undefined {
  const payload = proof.payload.payload as EvmPayload
  const from = (payload.authorization ?? payload.permit2Authorization)?.from ?? payload.payer
  return typeof from === 'string' ? from : undefined
}

/**
 * A proof re-encoded another way is still the same payment when it carries the same authorisation, so its nonce
 * wins over the header's bytes. Every EVM payment is single-use.
 */
export function evmReplay(proof: DecodedProof, network: string): ReplayFacts {
  const payload = proof.payload.payload as EvmPayload
  const facts: ReplayFacts = {}
  const expiresAt = expiryOf(payload)
  if (expiresAt !== undefined) facts.expiresAt = expiresAt
  const permit = payload.permit2Authorization
  // Permit2 nonces are per payer across every token and proxy: one permit, one payment.
  if (permit) {
    // Decimal and hex spell one nonce; an unreadable one is not a payment anyone can settle: keyed by its bytes.
    const nonce = typeof permit.nonce === 'string' ? uint(permit.nonce) : undefined
    if (nonce !== undefined) facts.id = `permit2:${network}:${typeof permit.from === 'string' ? permit.from.toLowerCase() : ''}:${nonce}`
    return facts
  }
  const { from, nonce } = payload.authorization ?? {}
  if (typeof nonce === 'string' && nonce !== '') {
    const payer = typeof from === 'string' ? from.toLowerCase() : ''
    facts.id = `nonce:${network}:${payer}:${nonce.toLowerCase()}`
  }
  return facts
}

/** EIP-3009 validBefore or Permit2 deadline, in ms since the epoch. */
function expiryOf(payload: EvmPayload): number | undefined {
  const validBefore = Number(payload.authorization?.validBefore ?? payload.permit2Authorization?.deadline)
  return Number.isFinite(validBefore) && validBefore > 0 ? validBefore * 1000 : undefined
}

function uint(text: string): bigint | undefined {
  if (!/^(?:[0-9]{1,78}|0x[0-9a-fA-F]{1,64})$/.test(text)) return undefined
  return BigInt(text)
}
