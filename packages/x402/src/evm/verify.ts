// Offline checks of an exact EVM payment: the terms it must match, its time window and its EIP-712
// signature. No RPC here: this runs anywhere viem runs, and on the reference vectors.
import { isAddressEqual, type Address } from 'viem'
import type { PaymentRequirements, VerifyResponse } from '../codec/types.js'
import { offlineRefusal, optionErrorFor, readTokenOffer, recoverTypedSigner } from './offline-checks.js'
import { eip155ChainId } from '../requirements/networks.js'
import {
  EXACT_EVM_REASONS as REASONS,
  EXACT_SCHEME,
  VALID_BEFORE_MARGIN_SECONDS,
  parseExactEvmPayload,
  transferWithAuthorizationTypedData,
  type ExactDomainInput,
  type ExactEvmPayload,
} from './scheme.js'

/** What an exact EVM offer asks for, read out of v2 requirements. */
export interface ExactTerms extends ExactDomainInput {
  network: string
  payTo: Address
  amount: bigint
}

export interface VerifyExactSignatureInput {
  /** The scheme payload: `{signature, authorization}` (a PaymentPayload's `payload`). */
  payload: unknown
  /** The offer in v2 shape: scheme, network `eip155:<id>`, amount, asset, payTo, extra {name, version}. */
  requirements: PaymentRequirements
  /** Unix seconds to judge the time window by; defaults to the system clock. */
  now?: number
}

export type ExactOfflineCheck =
  | { isValid: true; payer: Address; payload: ExactEvmPayload; terms: ExactTerms }
  | { isValid: false; invalidReason: string; invalidMessage: string; payer?: Address }

export function unixNow(): number {
  return Math.floor(Date.now() / 1000)
}

const invalid: (invalidReason: string, invalidMessage: string, payer?: Address) => ExactOfflineCheck = offlineRefusal
const optionError = optionErrorFor('for the exact EVM scheme')

/**
 * Reads the terms of an exact EVM offer. Throws `invalid_payment_option` for a missing or malformed
 * field: that is the server's configuration, not the payer's fault. Returns undefined when the
 * network is not an EVM chain (the caller answers `invalid_network`).
 */
export function readExactTerms(requirements: PaymentRequirements): ExactTerms | undefined {
  const chainId = eip155ChainId(requirements.network)
  if (chainId === undefined) return undefined
  const { asset, payTo, amount } = readTokenOffer(requirements, optionError)
  const name = requirements.extra?.name
  const version = requirements.extra?.version
  if (typeof name !== 'string') throw optionError('requirements.extra.name', "the token's EIP-712 domain name", name)
  if (typeof version !== 'string') throw optionError('requirements.extra.version', "the token's EIP-712 domain version", version)
  return { network: requirements.network, chainId, asset, payTo, amount, name, version }
}

/** The address that signed an authorization under a token's EIP-712 domain; undefined if unrecoverable. */
export async function recoverExactSigner(payload: ExactEvmPayload, domain: ExactDomainInput): Promise<Address | undefined> {
  return recoverTypedSigner(() => transferWithAuthorizationTypedData(domain, payload.authorization), payload.signature)
}

/**
 * Every check that needs no chain, cheapest first (PROTOCOL.md order): scheme, network, recipient,
 * value, validAfter, validBefore (with a 6 s margin), then the signature, which must recover `from`.
 */
export async function checkExactOffline(input: VerifyExactSignatureInput): Promise<ExactOfflineCheck> {
  const { requirements } = input
  if (requirements.scheme !== EXACT_SCHEME) {
    return invalid(REASONS.invalidScheme, `The offer's scheme is "${requirements.scheme}", expected "${EXACT_SCHEME}".`)
  }
  const terms = readExactTerms(requirements)
  if (!terms) return invalid(REASONS.invalidNetwork, `The offer's network "${requirements.network}" is not an EVM chain (eip155:<chainId>).`)

  const parsed = parseExactEvmPayload(input.payload)
  if (!parsed.ok) return invalid(REASONS.invalidPayload, parsed.message)
  const { payload } = parsed
  const { authorization } = payload
  const payer = authorization.from
  const now = input.now ?? unixNow()

  if (!isAddressEqual(authorization.to, terms.payTo)) {
    return invalid(REASONS.recipientMismatch, `authorization.to is ${authorization.to}, expected payTo ${terms.payTo}.`, payer)
  }
  if (BigInt(authorization.value) !== terms.amount) {
    return invalid(REASONS.valueMismatch, `authorization.value is ${authorization.value}, expected exactly ${terms.amount}.`, payer)
  }
  if (BigInt(authorization.validAfter) > BigInt(now)) {
    return invalid(REASONS.validAfter, `authorization.validAfter is ${authorization.validAfter}, later than now (${now}).`, payer)
  }
  if (BigInt(authorization.validBefore) < BigInt(now + VALID_BEFORE_MARGIN_SECONDS)) {
    return invalid(
      REASONS.validBefore,
      `authorization.validBefore is ${authorization.validBefore}, expected at least now + ${VALID_BEFORE_MARGIN_SECONDS}s (${now + VALID_BEFORE_MARGIN_SECONDS}).`,
      payer,
    )
  }
  const signer = await recoverExactSigner(payload, terms)
  if (!signer || !isAddressEqual(signer, payer)) {
    return invalid(
      REASONS.signature,
      signer
        ? `The signature recovers ${signer}, not authorization.from ${payer} (domain ${terms.name} v${terms.version}, chain ${terms.chainId}, contract ${terms.asset}).`
        : 'The signature cannot be recovered.',
      payer,
    )
  }
  return { isValid: true, payer, payload, terms }
}

/**
 * Checks an exact EVM payment without touching a chain: terms, time window and EIP-712 signature.
 * It cannot tell whether the nonce is unused or the balance suffices: `localFacilitator` does that.
 */
export async function verifyExactSignature(input: VerifyExactSignatureInput): Promise<VerifyResponse> {
  const check = await checkExactOffline(input)
  if (check.isValid) return { isValid: true, payer: check.payer }
  const { isValid, invalidReason, invalidMessage, payer } = check
  return payer === undefined ? { isValid, invalidReason, invalidMessage } : { isValid, invalidReason, invalidMessage, payer }
}
