// Choosing one offer among those the payers can pay and the cap allows.
import { TollgateError } from '../errors.js'
import { toCaip2 } from '../requirements/networks.js'
import type { Offer, Payer } from './types.js'

/** An offer a payer can pay, within the spend cap. */
export interface Candidate {
  offer: Offer
  payer: Payer
  /** The amount in atomic units; undefined for offers that name none (Nevermined plans: prepaid credits). */
  amount: bigint | undefined
}

/**
 * Preferences, applied in this order: preferred scheme, preferred network, then the cheapest (atomic
 * units; offers with no amount count as 0, since they draw on credits already bought), then the server's order.
 */
export interface OfferPolicy {
  /** Schemes, most preferred first (`['nvm:erc4337', 'exact']`); unlisted schemes come after them. */
  schemes?: string[]
  /** Networks, most preferred first: CAIP-2 (`eip155:8453`) or a known name (`base`). Unlisted ones come after. */
  networks?: string[]
  /** Pay only offers whose scheme and network are listed above (where a list is given). Default false. */
  only?: boolean
}

/** Your own choice: return one of the candidates, or undefined to pay nothing (`no_payable_offer`). */
export type ChooseOffer = (candidates: readonly Candidate[]) => Candidate | undefined

/** Validates the policy once and returns the chooser. */
export function resolvePolicy(policy: OfferPolicy | ChooseOffer | undefined): ChooseOffer {
  if (typeof policy === 'function') return policy
  const schemes = policy?.schemes ?? []
  const networks = (policy?.networks ?? []).map((network, index) => toCaip2(network, `policy.networks[${index}]`))
  const only = policy?.only === true

  const rank = (list: readonly string[], value: string) => {
    const at = list.indexOf(value)
    return at === -1 ? list.length : at
  }
  const allowed = (candidate: Candidate) =>
    !only ||
    ((schemes.length === 0 || schemes.includes(candidate.offer.requirements.scheme)) &&
      (networks.length === 0 || networks.includes(candidate.offer.requirements.network)))

  return (candidates) =>
    candidates
      .filter(allowed)
      .sort(
        (a, b) =>
          rank(schemes, a.offer.requirements.scheme) - rank(schemes, b.offer.requirements.scheme) ||
          rank(networks, a.offer.requirements.network) - rank(networks, b.offer.requirements.network) ||
          compare(a.amount ?? 0n, b.amount ?? 0n) ||
          a.offer.index - b.offer.index,
      )[0]
}

/** The cheapest candidate, whatever its scheme or network. */
export const cheapest: ChooseOffer = resolvePolicy({})

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function checkPolicy(policy: unknown): void {
  if (policy === undefined || typeof policy === 'function') return
  if (typeof policy !== 'object' || policy === null) {
    throw new TollgateError('invalid_options', 'policy must be { schemes?, networks?, only? } or a function of the candidates.', {
      path: 'policy',
      expected: '{ schemes?, networks?, only? } or (candidates) => candidate',
    })
  }
}
