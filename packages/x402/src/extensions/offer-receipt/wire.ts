// The offer-receipt wire (x402 specs/extensions/extension-offer-and-receipt.md): signed offers in the 402's
// `extensions["offer-receipt"].info.offers`, a signed receipt in the settlement's `extensions["offer-receipt"].info.receipt`,
// each `{ format: 'eip712', payload, signature }` or `{ format: 'jws', signature }` (the payload inside the JWS).

export const OFFER_RECEIPT = 'offer-receipt'

/** What a signed offer commits to (spec §4.2). `validUntil` 0 means none. */
export interface OfferPayload {
  version: number
  resourceUrl: string
  scheme: string
  network: string
  asset: string
  payTo: string
  amount: string
  validUntil: number
}

/** What a signed receipt states (spec §5.2). `transaction` '' (EIP-712) or absent (JWS) means none. */
export interface ReceiptPayload {
  version: number
  network: string
  resourceUrl: string
  payer: string
  issuedAt: number
  transaction?: string
}

export type SignedOffer = { format: 'eip712'; acceptIndex?: number; payload: OfferPayload; signature: string } | { format: 'jws'; acceptIndex?: number; signature: string }
export type SignedReceipt = { format: 'eip712'; payload: ReceiptPayload; signature: string } | { format: 'jws'; signature: string }

/** The EIP-712 domains and types (spec §3.2, §4.3, §5.3): off-chain signing, so chainId is always 1. */
export const OFFER_DOMAIN = { name: 'x402 offer', version: '1', chainId: 1 } as const
export const RECEIPT_DOMAIN = { name: 'x402 receipt', version: '1', chainId: 1 } as const
export const OFFER_TYPES = {
  Offer: [
    { name: 'version', type: 'uint256' },
    { name: 'resourceUrl', type: 'string' },
    { name: 'scheme', type: 'string' },
    { name: 'network', type: 'string' },
    { name: 'asset', type: 'string' },
    { name: 'payTo', type: 'string' },
    { name: 'amount', type: 'string' },
    { name: 'validUntil', type: 'uint256' },
  ],
} as const
export const RECEIPT_TYPES = {
  Receipt: [
    { name: 'version', type: 'uint256' },
    { name: 'network', type: 'string' },
    { name: 'resourceUrl', type: 'string' },
    { name: 'payer', type: 'string' },
    { name: 'issuedAt', type: 'uint256' },
    { name: 'transaction', type: 'string' },
  ],
} as const

/** The typed data an EIP-712 offer signs. */
export function offerTypedData(payload: OfferPayload) {
  const message = { ...payload, version: BigInt(payload.version), validUntil: BigInt(payload.validUntil ?? 0) }
  return { domain: OFFER_DOMAIN, types: OFFER_TYPES, primaryType: 'Offer' as const, message }
}

/** The typed data an EIP-712 receipt signs. */
export function receiptTypedData(payload: ReceiptPayload) {
  const message = { ...payload, version: BigInt(payload.version), issuedAt: BigInt(payload.issuedAt), transaction: payload.transaction ?? '' }
  return { domain: RECEIPT_DOMAIN, types: RECEIPT_TYPES, primaryType: 'Receipt' as const, message }
}

/** The JSON schemas the spec publishes beside offers and receipts. */
export const OFFERS_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    offers: {
      type: 'array',
      items: {
        type: 'object',
        properties: { format: { type: 'string' }, acceptIndex: { type: 'integer' }, payload: { type: 'object' }, signature: { type: 'string' } },
        required: ['format', 'signature'],
      },
    },
  },
  required: ['offers'],
}
export const RECEIPT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    receipt: {
      type: 'object',
      properties: { format: { type: 'string' }, payload: { type: 'object' }, signature: { type: 'string' } },
      required: ['format', 'signature'],
    },
  },
  required: ['receipt'],
}
