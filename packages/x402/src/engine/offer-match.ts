// Which prepared offer a proof pays for, the facilitator's verify request for it, and how long a consumed
// payment is remembered.
import type { DecodedProof, PaymentRequirements } from '../codec/types.js'
import type { VerifyRequest } from '../facilitator/types.js'
import { matchAccepted, matchV1, toV1Requirements } from '../requirements/build.js'
import type { Prepared, PreparedOffer } from './prepare.js'

export const DEFAULT_CONSUMED_TTL_MS = 24 * 60 * 60_000

export function findOffer(prepared: Prepared, proof: DecodedProof): PreparedOffer | undefined {
  const offers = prepared.offers.map((offer) => offer.requirements)
  const match: PaymentRequirements | undefined =
    proof.x402Version === 2 ? matchAccepted(proof.payload.accepted, offers) : matchV1(proof.payload, offers)
  return match && prepared.offers.find((offer) => offer.requirements === match)
}

export function buildVerifyRequest(prepared: Prepared, offer: PreparedOffer, proof: DecodedProof): VerifyRequest {
  const request: VerifyRequest = {
    x402Version: proof.x402Version,
    token: proof.raw,
    proof,
    requirements: offer.requirements,
    paymentRequired: prepared.paymentRequired,
    amount: offer.amount,
  }
  if (proof.x402Version === 1) {
    const v1 = toV1Requirements(offer.requirements, prepared.resource, offer.option.scheme)
    if (v1) request.requirementsV1 = v1
  }
  return request
}

/** Keep a consumed payment until it expires (as its scheme reads it), else a day. */
export function consumedTtlMs(expiresAt: number | undefined): number {
  if (expiresAt === undefined) return DEFAULT_CONSUMED_TTL_MS
  return Math.min(Math.max(expiresAt - Date.now(), 60_000), 7 * DEFAULT_CONSUMED_TTL_MS)
}
