// The checks every payment to localFacilitator passes first, whatever pays it (EIP-3009 or Permit2): the x402
// generation, the scheme, and the network of the offer and of the proof against the facilitator's own chain.
import type { DecodedProof } from '../codec/types.js'
import { proofParts, refusal } from '../facilitator/proof-parts.js'
import type { VerifyRequest, VerifyResult } from '../facilitator/types.js'
import { eip155Network, fromV1Network } from '../requirements/networks.js'
import { withAbort } from './chain-calls.js'
import { permit2KindOf, UPTO_SCHEME } from './permit2.js'
import { EXACT_EVM_REASONS as REASONS, EXACT_SCHEME } from './scheme.js'

// The EVM paths read them from here; the one copy, shared with the Solana facilitator, is facilitator/proof-parts.ts.
export { proofParts, refusal }

/** The payment's `extensions` (v2 only): gasless Permit2 reads the payer's permit or approval there. */
export function carriedExtensions(proof: DecodedProof): unknown {
  return proof.x402Version === 2 ? proof.payload.extensions : undefined
}

/** The checks every payment passes first: generation, scheme and network; a refusal, or undefined. */
export async function checkPaymentKind(request: VerifyRequest, signal: AbortSignal, chainId: () => Promise<number>): Promise<VerifyResult | undefined> {
  signal.throwIfAborted()
  const { requirements, proof } = request
  const parts = proofParts(proof)
  const refuse = refusal

  if (proof.x402Version !== request.x402Version) {
    return refuse(REASONS.invalidVersion, `The proof is x402 v${proof.x402Version} but the request says v${request.x402Version}.`)
  }
  if ((requirements.scheme !== EXACT_SCHEME && requirements.scheme !== UPTO_SCHEME) || parts.scheme !== requirements.scheme) {
    return refuse(
      REASONS.invalidScheme,
      `Scheme "${String(parts.scheme)}" paid for "${requirements.scheme}"; this facilitator handles "${EXACT_SCHEME}" and "${UPTO_SCHEME}".`,
    )
  }
  if (permit2KindOf(requirements) && proof.x402Version !== 2) {
    return refuse(REASONS.invalidVersion, `${requirements.scheme} over Permit2 is an x402 v2 payment; this proof is v${proof.x402Version}.`)
  }
  const ourChainId = await withAbort(chainId(), signal)
  const ourNetwork = eip155Network(ourChainId)
  if (requirements.network !== ourNetwork) {
    return refuse(REASONS.invalidNetwork, `The offer is on ${requirements.network}, but this facilitator's chain is ${ourNetwork}.`)
  }
  const proofNetworkMatches =
    proof.x402Version === 2
      ? parts.network === requirements.network
      : typeof parts.network === 'string' &&
        (request.requirementsV1 ? parts.network === request.requirementsV1.network : (parts.network === ourNetwork || fromV1Network(parts.network) === ourNetwork))
  if (!proofNetworkMatches) {
    return refuse(REASONS.invalidNetwork, `The proof is for network ${String(parts.network)}, but the offer is on ${requirements.network}.`)
  }
  return undefined
}
