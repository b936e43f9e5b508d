// The batch-settlement scheme's wire shapes (x402 `specs/schemes/batch-settlement/scheme_batch_settlement_evm.md`,
// field names as `@x402/evm` 2.27 sends them). Amounts are decimal strings of token base units, addresses and
// signatures 0x-hex. Seller, facilitator and buyer share these types; parsing lives with whoever reads them.
import type { Address, Hex } from 'viem'
import type { ChannelConfig } from './constants.js'

/** A channel's fixed terms as the wire carries them (the same fields as the contract's; see constants.ts). */
export type ChannelConfigWire = ChannelConfig

/** A cumulative voucher: the receiver may claim up to `maxClaimableAmount` in all from `channelId`. */
export interface VoucherWire {
  channelId: Hex
  maxClaimableAmount: string
  signature: Hex
}

export interface Erc3009DepositAuthorizationWire {
  validAfter: string
  validBefore: string
  salt: Hex
  signature: Hex
}

export interface Permit2DepositAuthorizationWire {
  from: Address
  permitted: { token: Address; amount: string }
  spender: Address
  nonce: string
  deadline: string
  witness: { channelId: Hex }
  signature: Hex
}

export type DepositAuthorizationWire =
  | { erc3009Authorization: Erc3009DepositAuthorizationWire; permit2Authorization?: never }
  | { permit2Authorization: Permit2DepositAuthorizationWire; erc3009Authorization?: never }

/** The buyer's payloads (`PaymentPayload.payload`). */
export interface DepositPayloadWire {
  type: 'deposit'
  channelConfig: ChannelConfigWire
  voucher: VoucherWire
  deposit: { amount: string; authorization: DepositAuthorizationWire }
}

export interface VoucherPayloadWire {
  type: 'voucher'
  channelConfig: ChannelConfigWire
  voucher: VoucherWire
}

/** Asks the seller to return the unclaimed balance (all of it when `amount` is absent). */
export interface RefundPayloadWire {
  type: 'refund'
  channelConfig: ChannelConfigWire
  voucher: VoucherWire
  amount?: string
}

export type BatchPayloadWire = DepositPayloadWire | VoucherPayloadWire | RefundPayloadWire

/** One voucher as claimed on chain: `totalClaimed` is the cumulative amount the receiver takes up to now. */
export interface VoucherClaimWire {
  voucher: { channel: ChannelConfigWire; maxClaimableAmount: string }
  signature: Hex
  totalClaimed: string
}

/** What the seller sends the facilitator's settle (besides deposits). */
export interface ClaimPayloadWire {
  type: 'claim'
  claims: VoucherClaimWire[]
  /** Present when the seller holds the receiver authorizer's key; else the facilitator signs. */
  claimAuthorizerSignature?: Hex
}

export interface SettlePayloadWire {
  type: 'settle'
  receiver: Address
  token: Address
}

export interface EnrichedRefundPayloadWire extends Omit<RefundPayloadWire, 'amount'> {
  amount: string
  refundNonce: string
  claims: VoucherClaimWire[]
  refundAuthorizerSignature?: Hex
  claimAuthorizerSignature?: Hex
}

export type FacilitatorSettlePayloadWire = DepositPayloadWire | ClaimPayloadWire | SettlePayloadWire | EnrichedRefundPayloadWire

/** The channel as the seller reports it in `extra` (402s and receipts). */
export interface ChannelStateExtraWire {
  channelId: Hex
  balance: string
  totalClaimed: string
  withdrawRequestedAt: number
  refundNonce: string
  chargedCumulativeAmount?: string
}

/** The last voucher the seller holds, for a buyer that lost its own (the corrective 402). */
export interface VoucherStateExtraWire {
  signedMaxClaimable?: string
  signature?: Hex
}

/** `PaymentRequirements.extra` of a batch-settlement offer. */
export interface BatchRequirementsExtraWire {
  receiverAuthorizer: Address
  withdrawDelay: number
  /** The token's EIP-712 domain name and version. */
  name: string
  version: string
  assetTransferMethod?: 'eip3009' | 'permit2'
  channelState?: ChannelStateExtraWire
  voucherState?: VoucherStateExtraWire
}

/** `SettleResponse.extra` of a batch-settlement receipt. */
export interface BatchReceiptExtraWire {
  chargedAmount?: string
  channelState?: ChannelStateExtraWire
  voucherState?: VoucherStateExtraWire
}
