// offerReceipt(): signed offers in a route's 402 and a signed receipt after each successful settlement, with a key
// the seller gives: an EVM account (EIP-712, the signer's address is what buyers check, by default the payTo) or a
// WebCrypto key pair (JWS, ES256 or EdDSA; its `kid` defaults to a did:jwk of the public key).
import type { LocalAccount } from 'viem'
import type { Extension, SettledPayment, UnpaidRequest } from '../contract.js'
import { extensionSteps } from '../steps.js'
import { TollgateError } from '../../errors.js'
import { didJwkOf, signJws, algorithmOf } from './jws.js'
import { OFFER_RECEIPT, OFFERS_SCHEMA, offerTypedData, RECEIPT_SCHEMA, receiptTypedData, type OfferPayload, type ReceiptPayload, type SignedOffer, type SignedReceipt } from './wire.js'

/** An account that signs EIP-712 typed data: a viem account (`privateKeyToAccount(key)`). */
export type TypedDataAccount = Pick<LocalAccount, 'address' | 'signTypedData'>

export type OfferReceiptSigner =
  /** EIP-712 with an EVM account; buyers recover its address. */
  | { format: 'eip712'; account: TypedDataAccount }
  /** JWS with a WebCrypto key pair (ECDSA P-256 or Ed25519); `kid` defaults to the public key's did:jwk. */
  | { format: 'jws'; keyPair: CryptoKeyPair; kid?: string }

export interface OfferReceiptOptions {
  signer: OfferReceiptSigner
  /** How long a signed offer holds, in seconds. Default: the offer's `maxTimeoutSeconds`, else 300. */
  offerSeconds?: number
  /** Put the settlement's transaction hash in receipts (verifiable, less private). Default false (spec §11). */
  includeTransaction?: boolean
}

/** The offer-receipt extension for a route: `{ accepts, extensions: [offerReceipt({ signer })] }`. */
export function offerReceipt(options: OfferReceiptOptions): Extension {
  const sign = signerOf(checkOptions(options).signer)

  async function challenge({ resourceUrl, paymentRequired }: UnpaidRequest) {
    const now = Math.floor(Date.now() / 1000)
    const offers: SignedOffer[] = []
    for (const [acceptIndex, requirements] of paymentRequired.accepts.entries()) {
      const { scheme, network, asset, payTo, amount, maxTimeoutSeconds } = requirements
      // Only offers with a price on the wire can be committed to (a credits plan has none).
      if (typeof asset !== 'string' || typeof payTo !== 'string' || typeof amount !== 'string') continue
      const seconds = options.offerSeconds ?? (typeof maxTimeoutSeconds === 'number' ? maxTimeoutSeconds : 300)
      const payload: OfferPayload = { version: 1, resourceUrl, scheme, network, asset, payTo, amount, validUntil: now + seconds }
      offers.push({ ...(await sign.offer(payload)), acceptIndex })
    }
    return offers.length === 0 ? undefined : { info: { offers }, schema: OFFERS_SCHEMA }
  }

  async function settled({ resourceUrl, receipt, requirements, payer }: SettledPayment) {
    if (payer === undefined) return undefined
    const payload: ReceiptPayload = { version: 1, network: requirements.network, resourceUrl, payer, issuedAt: Math.floor(Date.now() / 1000) }
    if (options.includeTransaction && receipt.transaction) payload.transaction = receipt.transaction
    return { info: { receipt: await sign.receipt(payload) }, schema: RECEIPT_SCHEMA }
  }

  return { key: OFFER_RECEIPT, challenge, settled, steps: extensionSteps }
}

function signerOf(signer: OfferReceiptSigner) {
  if (signer.format === 'eip712') {
    const { account } = signer
    return {
      offer: async (payload: OfferPayload): Promise<SignedOffer> => ({ format: 'eip712', payload, signature: await account.signTypedData(offerTypedData(payload)) }),
      receipt: async (payload: ReceiptPayload): Promise<SignedReceipt> => {
        // EIP-712 signs every field: a receipt without a transaction signs '' (spec §5.3).
        const full = { ...payload, transaction: payload.transaction ?? '' }
        return { format: 'eip712', payload: full, signature: await account.signTypedData(receiptTypedData(full)) }
      },
    }
  }
  const { keyPair } = signer
  let kid: Promise<string> | undefined
  const kidOf = () => (kid ??= signer.kid !== undefined ? Promise.resolve(signer.kid) : didJwkOf(keyPair.publicKey))
  return {
    offer: async (payload: OfferPayload): Promise<SignedOffer> => ({ format: 'jws', signature: await signJws(payload, keyPair.privateKey, await kidOf()) }),
    receipt: async (payload: ReceiptPayload): Promise<SignedReceipt> => ({ format: 'jws', signature: await signJws(payload, keyPair.privateKey, await kidOf()) }),
  }
}

function checkOptions(options: OfferReceiptOptions): OfferReceiptOptions {
  const bad = (path: string, expected: string): never => {
    throw new TollgateError('invalid_options', `offerReceipt: option "${path}" is invalid; expected ${expected}.`, { path, expected })
  }
  const signer = options?.signer as Partial<Record<string, unknown>> | undefined
  if (signer?.format === 'eip712') {
    const account = signer.account as Partial<TypedDataAccount> | undefined
    if (typeof account?.address !== 'string' || typeof account.signTypedData !== 'function') bad('signer.account', 'an EVM account with signTypedData (privateKeyToAccount(key))')
  } else if (signer?.format === 'jws') {
    const pair = signer.keyPair as Partial<CryptoKeyPair> | undefined
    if (!pair?.privateKey || !pair.publicKey) bad('signer.keyPair', 'a WebCrypto key pair (ECDSA P-256 or Ed25519)')
    algorithmOf(pair!.privateKey!)
  } else {
    bad('signer', "{ format: 'eip712', account } or { format: 'jws', keyPair }")
  }
  if (options.offerSeconds !== undefined && !(typeof options.offerSeconds === 'number' && options.offerSeconds > 0)) bad('offerSeconds', 'a positive number of seconds')
  return options
}
