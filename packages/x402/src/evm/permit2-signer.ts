// The payer's side of Permit2 payments: sign a PermitWitnessTransferFrom for an upto or Permit2 exact offer and
// wrap it as a v2 proof header; and the one-time approval of Permit2 that such payments need.
import { bytesToHex, hexToBigInt, type Address } from 'viem'
import { encodeBase64Json } from '../codec/base64.js'
import type { PaymentPayload, PaymentRequirements, ResourceInfo } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import { proxyFor, permit2TypedData, type Permit2Authorization, type Permit2Payload } from './permit2.js'
import { readPermit2Terms } from './permit2-verify.js'
import { validForSecondsOf, type ExactPayerAccount } from './signer.js'
import { unixNow } from './verify.js'

export interface CreatePermit2PaymentOptions {
  account: ExactPayerAccount
  /** An upto offer, or an exact one with `extra.assetTransferMethod: "permit2"` (v2 shape). */
  requirements: PaymentRequirements
  resource?: ResourceInfo
  /** Unix seconds (tests fix it); defaults to the system clock. */
  now?: number
  /** Seconds the permit stays valid (its deadline); defaults to `requirements.maxTimeoutSeconds`, else 300. */
  validForSeconds?: number
  /** The Permit2 nonce (tests fix it); default 32 random bytes. */
  nonce?: bigint
}

export interface Permit2Payment {
  payload: PaymentPayload
  header: string
  authorization: Permit2Authorization
}

/** A Permit2 nonce no other permit of this payer will share: 256 random bits (Permit2's nonces are unordered). */
export function randomPermit2Nonce(): bigint {
  return hexToBigInt(bytesToHex(crypto.getRandomValues(new Uint8Array(32))))
}

/** Signs a permit for `requirements.amount` (exact: the price; upto: the maximum) to the offer's proxy and payee. */
export async function createPermit2Payment(options: CreatePermit2PaymentOptions): Promise<Permit2Payment> {
  const { account, requirements } = options
  const terms = readPermit2Terms(requirements)
  if (!terms) {
    throw new TollgateError('invalid_payment_option', `The offer "${requirements.scheme}" on ${requirements.network} is not a Permit2 payment on an EVM chain.`, {
      path: 'requirements',
      expected: 'scheme upto, or exact with extra.assetTransferMethod "permit2", on eip155:<chainId>',
    })
  }
  const validFor = validForSecondsOf(options.validForSeconds, requirements)
  const now = options.now ?? unixNow()
  const witness: Permit2Authorization['witness'] = { to: terms.payTo, validAfter: '0' }
  if (terms.facilitator !== undefined) witness.facilitator = terms.facilitator
  const authorization: Permit2Authorization = {
    from: account.address as Address,
    permitted: { token: terms.asset, amount: terms.amount.toString() },
    spender: proxyFor(terms.kind),
    nonce: (options.nonce ?? randomPermit2Nonce()).toString(),
    deadline: String(now + validFor),
    witness,
  }
  const signature = await account.signTypedData(permit2TypedData(terms.kind, terms.chainId, authorization))
  const permit2Payload: Permit2Payload = { signature, permit2Authorization: authorization }
  const payload: PaymentPayload = {
    x402Version: 2,
    ...(options.resource ? { resource: options.resource } : {}),
    accepted: requirements,
    payload: permit2Payload as unknown as Record<string, unknown>,
  }
  return { payload, header: encodeBase64Json(payload), authorization }
}
