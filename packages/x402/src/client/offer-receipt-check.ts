// The buyer's offer-receipt checks (x402 specs/extensions/extension-offer-and-receipt.md §4.5, §5.5): before paying,
// the chosen offer's signed commitment must hold and match what is paid; after paying, the signed receipt must
// hold and name this resource, network and payer. A signature that does not hold, or a signer the buyer does not
// trust (EIP-712: by default the offer's payTo; JWS: the keys it gives), is refused with a clear error.
import type { Hex, recoverTypedDataAddress as RecoverTypedDataAddress } from 'viem'
import type { PaymentRequirements } from '../codec/types.js'
import { TollgateError, type ErrorCode } from '../errors.js'
import { jwsSignedBy, readJws } from '../extensions/offer-receipt/jws.js'
import { OFFER_RECEIPT, offerTypedData, receiptTypedData, type OfferPayload, type ReceiptPayload, type SignedOffer, type SignedReceipt } from '../extensions/offer-receipt/wire.js'
import type { ClientExtension } from './extension-types.js'

export interface VerifyOfferReceiptOptions {
  /** EVM addresses trusted to sign (EIP-712). Default: the payTo of the offer being paid. */
  signers?: readonly string[]
  /** Public keys trusted to sign JWS artifacts (JWKs or WebCrypto keys). JWS offers and receipts need one. */
  keys?: readonly (JsonWebKey | CryptoKey)[]
  /** Refuse a 402 without a signed offer for the chosen offer, and a paid answer without a receipt. Default false. */
  require?: boolean
}

/** Checks signed offers and receipts: `wrapFetch(fetch, { payers, extensions: [verifyOfferReceipt()] })`. */
export function verifyOfferReceipt(options: VerifyOfferReceiptOptions = {}): ClientExtension {
  const { signers, keys = [], require = false } = options

  async function check(code: ErrorCode, what: string, artifact: SignedOffer | SignedReceipt, payTo: string | undefined): Promise<Record<string, unknown>> {
    const fail = (why: string): never => {
      throw new TollgateError(code, `The server's signed ${what} is refused: ${why}. Nothing more was paid.`, { format: artifact.format })
    }
    if (artifact.format === 'eip712') {
      const { payload, signature } = artifact as unknown as { payload: OfferPayload & ReceiptPayload; signature: string }
      if (typeof payload !== 'object' || payload === null || typeof signature !== 'string') fail('it is malformed')
      let signer: string | undefined
      try {
        const typed = what === 'offer' ? offerTypedData(payload) : receiptTypedData(payload)
        // viem is loaded only for an EIP-712 signature, so that the client entry does not need it to load.
        const { recoverTypedDataAddress } = await import('viem')
        signer = await recoverTypedDataAddress({ ...typed, signature: signature as Hex } as Parameters<typeof RecoverTypedDataAddress>[0])
      } catch {
        fail('its EIP-712 signature cannot be read')
      }
      const trusted = (signers ?? (payTo ? [payTo] : [])).map((a) => a.toLowerCase())
      if (!trusted.includes(signer!.toLowerCase())) fail(`it is signed by ${signer}, not by ${signers ? 'a trusted signer' : `the payee ${payTo}`}`)
      return payload as unknown as Record<string, unknown>
    }
    if (artifact.format === 'jws' && typeof artifact.signature === 'string') {
      const read = readJws(artifact.signature)
      if (!read) fail('its JWS cannot be read')
      if (keys.length === 0) fail('it is a JWS and no trusted key was given (verifyOfferReceipt({ keys }))')
      if (!(await jwsSignedBy(artifact.signature, keys))) fail(`its JWS is not signed by a trusted key (kid ${String(read!.header.kid)})`)
      return read!.payload
    }
    return fail(`its format "${String((artifact as { format?: unknown }).format)}" is not eip712 or jws`)
  }

  return {
    key: OFFER_RECEIPT,
    async checkOffer({ demand, offer }) {
      const offers = (infoOf(demand.paymentRequired)?.offers ?? []) as SignedOffer[]
      const wanted = offer.requirements
      let matched = false
      for (const signed of Array.isArray(offers) ? offers : []) {
        const claimed = claimedOffer(signed)
        if (!claimed || !sameTerms(claimed, wanted)) continue
        const payload = (await check('offer_signature_invalid', 'offer', signed, wanted.payTo)) as unknown as OfferPayload
        if (!sameTerms(payload, wanted)) throw new TollgateError('offer_signature_invalid', 'The signed offer does not commit to the terms being paid.')
        if (payload.validUntil && payload.validUntil < Date.now() / 1000) {
          throw new TollgateError('offer_signature_invalid', `The signed offer expired at ${new Date(payload.validUntil * 1000).toISOString()}; nothing was paid.`)
        }
        matched = true
        break
      }
      if (!matched && require) throw new TollgateError('offer_signature_invalid', 'The server did not sign the offer being paid; nothing was paid.')
    },
    async checkPaid({ demand, offer, receipt }) {
      const signed = infoOf(receipt)?.receipt as SignedReceipt | undefined
      if (!signed) {
        if (require) throw new TollgateError('receipt_signature_invalid', 'The paid answer carries no signed receipt.')
        return
      }
      const payload = (await check('receipt_signature_invalid', 'receipt', signed, offer.requirements.payTo)) as unknown as ReceiptPayload
      const payer = receipt?.payer
      const problem =
        payload.resourceUrl !== demand.resource.url
          ? `it is for ${String(payload.resourceUrl)}, not ${demand.resource.url}`
          : payload.network !== offer.requirements.network
            ? `it is for ${String(payload.network)}, not ${offer.requirements.network}`
            : payer !== undefined && String(payload.payer).toLowerCase() !== payer.toLowerCase()
              ? `it names ${String(payload.payer)} as the payer, not ${payer}`
              : undefined
      if (problem) throw new TollgateError('receipt_signature_invalid', `The server's signed receipt is refused: ${problem}.`)
    },
  }
}

function infoOf(carrier: unknown): Record<string, unknown> | undefined {
  const extensions = (carrier as { extensions?: Record<string, { info?: Record<string, unknown> }> } | undefined)?.extensions
  return extensions?.[OFFER_RECEIPT]?.info
}

/** What a signed offer says it commits to, read without checking it (to find the one for the chosen offer). */
function claimedOffer(signed: SignedOffer): Partial<OfferPayload> | undefined {
  if (signed?.format === 'eip712') return signed.payload
  if (signed?.format === 'jws' && typeof signed.signature === 'string') return readJws(signed.signature)?.payload as Partial<OfferPayload> | undefined
  return undefined
}

function sameTerms(payload: Partial<OfferPayload>, wanted: PaymentRequirements): boolean {
  return (
    payload.scheme === wanted.scheme &&
    payload.network === wanted.network &&
    String(payload.asset).toLowerCase() === String(wanted.asset).toLowerCase() &&
    String(payload.payTo).toLowerCase() === String(wanted.payTo).toLowerCase() &&
    payload.amount === wanted.amount
  )
}
