// Offline checks of a Permit2 payment (upto, or exact over Permit2): the terms it must match, its time window
// and its EIP-712 signature under Permit2's domain. No RPC here; localFacilitator adds the chain's checks.
import { isAddressEqual, type Address } from 'viem'
import type { PaymentRequirements } from '../codec/types.js'
import { offlineRefusal, optionErrorFor, readTokenOffer, recoverTypedSigner } from './offline-checks.js'
import { eip155ChainId } from '../requirements/networks.js'
import {
  DEADLINE_MARGIN_SECONDS,
  PERMIT2_REASONS as REASONS,
  parsePermit2Payload,
  permit2KindOf,
  permit2TypedData,
  proxyFor,
  type Permit2Kind,
  type Permit2Payload,
} from './permit2.js'

/** What a Permit2 offer asks for, read out of v2 requirements. */
export interface Permit2Terms {
  kind: Permit2Kind
  network: string
  chainId: number
  asset: Address
  payTo: Address
  /** The amount to authorise: exactly this for exact, the maximum for upto. */
  amount: bigint
  /** upto: the facilitator the payer must name (`extra.facilitatorAddress`). */
  facilitator?: Address
}

export type Permit2OfflineCheck =
  | { isValid: true; payer: Address; payload: Permit2Payload; terms: Permit2Terms }
  | { isValid: false; invalidReason: string; invalidMessage: string; payer?: Address }

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const optionError = optionErrorFor('for a Permit2 payment')

/**
 * Reads the terms of an upto or Permit2 exact offer. Throws `invalid_payment_option` for a malformed field (the
 * server's configuration); undefined when the offer is not a Permit2 one or its network is not an EVM chain.
 */
export function readPermit2Terms(requirements: PaymentRequirements): Permit2Terms | undefined {
  const kind = permit2KindOf(requirements)
  const chainId = eip155ChainId(requirements.network)
  if (kind === undefined || chainId === undefined) return undefined
  const terms: Permit2Terms = { kind, network: requirements.network, chainId, ...readTokenOffer(requirements, optionError) }
  if (kind === 'upto') {
    const facilitator = requirements.extra?.facilitatorAddress
    if (typeof facilitator !== 'string' || !ADDRESS.test(facilitator)) {
      throw optionError('requirements.extra.facilitatorAddress', 'the address of the facilitator that settles (upto)', facilitator)
    }
    terms.facilitator = facilitator as Address
  }
  return terms
}

/** The address that signed a Permit2 payment; undefined if unrecoverable. */
export async function recoverPermit2Signer(payload: Permit2Payload, kind: Permit2Kind, chainId: number): Promise<Address | undefined> {
  return recoverTypedSigner(() => permit2TypedData(kind, chainId, payload.permit2Authorization), payload.signature)
}

export interface CheckPermit2Input {
  payload: unknown
  requirements: PaymentRequirements
  /** Unix seconds to judge the window by. */
  now: number
  /**
   * The amount the permit must authorise: the offer's at verification. At settlement of upto the offer carries
   * the amount to settle instead, so the caller passes undefined and the permit's own maximum is checked later.
   */
  expectAmount?: bigint | undefined
}

const invalid: (invalidReason: string, invalidMessage: string, payer?: Address) => Permit2OfflineCheck = offlineRefusal

/**
 * Every check that needs no chain, in the reference's order: spender (the kind's proxy), recipient, facilitator
 * (upto), deadline (with a 6 s margin), validAfter, amount, token, then the signature, which must recover `from`.
 */
export async function checkPermit2Offline(input: CheckPermit2Input): Promise<Permit2OfflineCheck> {
  const terms = readPermit2Terms(input.requirements)
  if (!terms) return invalid(REASONS.uptoNetwork, `The offer "${input.requirements.scheme}" on ${input.requirements.network} is not a Permit2 payment on an EVM chain.`)
  const parsed = parsePermit2Payload(input.payload, terms.kind)
  if (!parsed.ok) return invalid(REASONS.invalidPayload, parsed.message)
  const { payload } = parsed
  const auth = payload.permit2Authorization
  const payer = auth.from
  const proxy = proxyFor(terms.kind)
  const { now } = input

  if (!isAddressEqual(auth.spender, proxy)) {
    return invalid(REASONS.spender, `permit2Authorization.spender is ${auth.spender}, expected the x402 ${terms.kind} Permit2 proxy ${proxy}.`, payer)
  }
  if (!isAddressEqual(auth.witness.to, terms.payTo)) {
    return invalid(REASONS.recipientMismatch, `permit2Authorization.witness.to is ${auth.witness.to}, expected payTo ${terms.payTo}.`, payer)
  }
  if (terms.facilitator !== undefined && !isAddressEqual(auth.witness.facilitator as Address, terms.facilitator)) {
    return invalid(
      REASONS.facilitatorMismatch,
      `permit2Authorization.witness.facilitator is ${auth.witness.facilitator}, but this offer is settled by ${terms.facilitator}.`,
      payer,
    )
  }
  if (BigInt(auth.deadline) < BigInt(now + DEADLINE_MARGIN_SECONDS)) {
    return invalid(REASONS.deadlineExpired, `permit2Authorization.deadline is ${auth.deadline}, expected at least now + ${DEADLINE_MARGIN_SECONDS}s (${now + DEADLINE_MARGIN_SECONDS}).`, payer)
  }
  if (BigInt(auth.witness.validAfter) > BigInt(now)) {
    return invalid(REASONS.notYetValid, `permit2Authorization.witness.validAfter is ${auth.witness.validAfter}, later than now (${now}).`, payer)
  }
  if (input.expectAmount !== undefined && BigInt(auth.permitted.amount) !== input.expectAmount) {
    const what = terms.kind === 'upto' ? 'the maximum this offer asks to authorise' : 'exactly the price'
    return invalid(REASONS.amountMismatch, `permit2Authorization.permitted.amount is ${auth.permitted.amount}, expected ${input.expectAmount} (${what}).`, payer)
  }
  if (!isAddressEqual(auth.permitted.token, terms.asset)) {
    return invalid(REASONS.tokenMismatch, `permit2Authorization.permitted.token is ${auth.permitted.token}, but the offer is paid in ${terms.asset}.`, payer)
  }
  const signer = await recoverPermit2Signer(payload, terms.kind, terms.chainId)
  if (!signer || !isAddressEqual(signer, payer)) {
    return invalid(
      REASONS.signature,
      signer
        ? `The signature recovers ${signer}, not permit2Authorization.from ${payer} (Permit2 domain, chain ${terms.chainId}, ${terms.kind} witness).`
        : 'The signature cannot be recovered.',
      payer,
    )
  }
  return { isValid: true, payer, payload, terms }
}
