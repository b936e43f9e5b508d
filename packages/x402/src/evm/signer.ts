// The payer's side of exact EVM: sign an EIP-3009 authorization for an offer and wrap it as a proof header.
import { bytesToHex, type Address, type LocalAccount } from 'viem'
import { encodeBase64Json } from '../codec/base64.js'
import type { PaymentPayload, PaymentPayloadV1, PaymentRequirements, ResourceInfo } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import { eip155Network, toV1Network } from '../requirements/networks.js'
import { EXACT_SCHEME, transferWithAuthorizationTypedData, type ExactEvmAuthorization, type ExactEvmPayload } from './scheme.js'
import { readExactTerms, unixNow } from './verify.js'

/** How far back validAfter is set, so that a payee whose clock runs behind still accepts. */
export const CLOCK_SKEW_SECONDS = 600
const DEFAULT_VALID_FOR_SECONDS = 300

/** Any account that can sign typed data locally (privateKeyToAccount, mnemonicToAccount, toAccount). */
export type ExactPayerAccount = Pick<LocalAccount, 'address' | 'signTypedData'>

export interface CreateExactPaymentOptions {
  account: ExactPayerAccount
  /** The offer to pay, in v2 shape (one entry of a 402's `accepts`). */
  requirements: PaymentRequirements
  /** The proof generation to produce (default 2). */
  x402Version?: 1 | 2
  /** Unix seconds (tests fix it); defaults to the system clock. */
  now?: number
  /** Seconds the authorization stays valid; defaults to `requirements.maxTimeoutSeconds`, else 300. */
  validForSeconds?: number
  /** v2 only: the resource paid for, copied into the payload. */
  resource?: ResourceInfo
  /** v1 only: the network name to write; defaults to the v1 name of the chain (`base-sepolia`). */
  v1Network?: string
}

export type ExactPayment =
  | { x402Version: 2; payload: PaymentPayload; header: string; authorization: ExactEvmAuthorization }
  | { x402Version: 1; payload: PaymentPayloadV1; header: string; authorization: ExactEvmAuthorization }

/** How long a signed payment stays valid: the payer's choice, else the offer's `maxTimeoutSeconds`, else 300 s. */
export function validForSecondsOf(validForSeconds: number | undefined, requirements: PaymentRequirements): number {
  const validFor = validForSeconds ?? requirements.maxTimeoutSeconds ?? DEFAULT_VALID_FOR_SECONDS
  if (!Number.isSafeInteger(validFor) || validFor <= 0) {
    throw new TollgateError('invalid_options', `validForSeconds must be a positive whole number of seconds, got ${validFor}.`, {
      path: 'validForSeconds',
      expected: 'a positive integer',
    })
  }
  return validFor
}

/** 32 random bytes as hex: an EIP-3009 nonce that no other authorization of this payer will share. */
export function randomNonce(): `0x${string}` {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)))
}

/**
 * Signs a `transferWithAuthorization` of exactly `requirements.amount` to `requirements.payTo` and
 * returns the PaymentPayload and its header value (standard base64 JSON, for PAYMENT-SIGNATURE or X-PAYMENT).
 */
export async function createExactPayment(options: CreateExactPaymentOptions): Promise<ExactPayment> {
  const { account, requirements } = options
  if (requirements.scheme !== EXACT_SCHEME) {
    throw new TollgateError('invalid_payment_option', `requirements.scheme is "${requirements.scheme}"; createExactPayment signs "${EXACT_SCHEME}" only.`, {
      path: 'requirements.scheme',
      expected: EXACT_SCHEME,
    })
  }
  const terms = readExactTerms(requirements)
  if (!terms) {
    throw new TollgateError('unknown_network', `requirements.network "${requirements.network}" is not an EVM chain.`, {
      path: 'requirements.network',
      expected: 'eip155:<chainId>',
    })
  }
  const validFor = validForSecondsOf(options.validForSeconds, requirements)
  const now = options.now ?? unixNow()
  const authorization: ExactEvmAuthorization = {
    from: account.address as Address,
    to: terms.payTo,
    value: terms.amount.toString(),
    validAfter: String(Math.max(0, now - CLOCK_SKEW_SECONDS)),
    validBefore: String(now + validFor),
    nonce: randomNonce(),
  }
  const signature = await account.signTypedData(transferWithAuthorizationTypedData(terms, authorization))
  const exactPayload: ExactEvmPayload = { signature, authorization }
  const schemePayload = exactPayload as unknown as Record<string, unknown>

  if (options.x402Version === 1) {
    const network = options.v1Network ?? toV1Network(eip155Network(terms.chainId))
    if (!network) {
      throw new TollgateError('unknown_network', `x402 v1 has no name for chain ${terms.chainId}; pass v1Network.`, {
        path: 'v1Network',
        expected: 'a v1 network name such as base-sepolia',
      })
    }
    const payload: PaymentPayloadV1 = { x402Version: 1, scheme: requirements.scheme, network, payload: schemePayload }
    return { x402Version: 1, payload, header: encodeBase64Json(payload), authorization }
  }
  const payload: PaymentPayload = {
    x402Version: 2,
    ...(options.resource ? { resource: options.resource } : {}),
    accepted: requirements,
    payload: schemePayload,
  }
  return { x402Version: 2, payload, header: encodeBase64Json(payload), authorization }
}
