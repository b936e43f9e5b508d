// What a local facilitator reads of a proof first, whatever its chain (EVM or Solana): the scheme, network and
// scheme payload in either x402 generation; and how it words a refusal. Chain-agnostic, so that neither
// facilitator's bundle pulls in the other's chain code.
import type { DecodedProof } from '../codec/types.js'
import type { VerifyResult } from './types.js'

/** The scheme, network and scheme payload of a proof, whichever generation sent it. */
export function proofParts(proof: DecodedProof): { scheme: unknown; network: unknown; payload: unknown } {
  if (proof.x402Version === 2) {
    const accepted = proof.payload.accepted as Partial<Record<string, unknown>> | undefined
    return { scheme: accepted?.scheme, network: accepted?.network, payload: proof.payload.payload }
  }
  return { scheme: proof.payload.scheme, network: proof.payload.network, payload: proof.payload.payload }
}

/** A refusal (`isValid: false`) with the reason and the payer when known. */
export function refusal(invalidReason: string, invalidMessage: string, payer?: string): VerifyResult {
  return { isValid: false, invalidReason, invalidMessage, ...(payer === undefined ? {} : { payer }) }
}
