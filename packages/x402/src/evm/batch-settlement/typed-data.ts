// The EIP-712 typed data of the batch-settlement contract: the channel id, the payer's cumulative voucher, and the
// receiver authorizer's claim-batch and refund authorizations. Each builder gives what `signTypedData` takes; the
// contract's getChannelId / getVoucherDigest / getClaimBatchDigest / getRefundDigest hash the same.
import { getAddress, hashTypedData, type Address, type Hex } from 'viem'
import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN, type ChannelConfig, type VoucherClaim } from './constants.js'

export const CHANNEL_CONFIG_TYPES = {
  ChannelConfig: [
    { name: 'payer', type: 'address' },
    { name: 'payerAuthorizer', type: 'address' },
    { name: 'receiver', type: 'address' },
    { name: 'receiverAuthorizer', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'withdrawDelay', type: 'uint40' },
    { name: 'salt', type: 'bytes32' },
  ],
} as const

export const VOUCHER_TYPES = {
  Voucher: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'maxClaimableAmount', type: 'uint128' },
  ],
} as const

export const REFUND_TYPES = {
  Refund: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'nonce', type: 'uint256' },
    { name: 'amount', type: 'uint128' },
  ],
} as const

export const CLAIM_BATCH_TYPES = {
  ClaimBatch: [{ name: 'claims', type: 'ClaimEntry[]' }],
  ClaimEntry: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'maxClaimableAmount', type: 'uint128' },
    { name: 'totalClaimed', type: 'uint128' },
  ],
} as const

/** The domain: "x402 Batch Settlement", version 1, the chain, the contract (the canonical address by default). */
export function batchSettlementDomain(chainId: number, verifyingContract: Address = BATCH_SETTLEMENT_ADDRESS) {
  return { ...BATCH_SETTLEMENT_DOMAIN, chainId, verifyingContract: getAddress(verifyingContract) }
}

export function channelConfigTypedData(config: ChannelConfig, chainId: number, verifyingContract?: Address) {
  return {
    domain: batchSettlementDomain(chainId, verifyingContract),
    types: CHANNEL_CONFIG_TYPES,
    primaryType: 'ChannelConfig',
    message: { ...config },
  } as const
}

/** The channel id: the EIP-712 hash of the config, so one config has another id on another chain or contract. */
export function channelIdOf(config: ChannelConfig, chainId: number, verifyingContract?: Address): Hex {
  return hashTypedData(channelConfigTypedData(config, chainId, verifyingContract))
}

/** What the payer signs per request: the channel and its new cumulative ceiling (all charges so far plus this one). */
export function voucherTypedData(voucher: { channelId: Hex; maxClaimableAmount: bigint }, chainId: number, verifyingContract?: Address) {
  return {
    domain: batchSettlementDomain(chainId, verifyingContract),
    types: VOUCHER_TYPES,
    primaryType: 'Voucher',
    message: { channelId: voucher.channelId, maxClaimableAmount: voucher.maxClaimableAmount },
  } as const
}

/** What the receiver authorizer signs for `refundWithSignature`: the amount at the channel's current refund nonce. */
export function refundTypedData(refund: { channelId: Hex; nonce: bigint; amount: bigint }, chainId: number, verifyingContract?: Address) {
  return {
    domain: batchSettlementDomain(chainId, verifyingContract),
    types: REFUND_TYPES,
    primaryType: 'Refund',
    message: { channelId: refund.channelId, nonce: refund.nonce, amount: refund.amount },
  } as const
}

/** What the receiver authorizer signs for `claimWithSignature`: one entry per row, in the rows' order. */
export function claimBatchTypedData(claims: readonly VoucherClaim[], chainId: number, verifyingContract?: Address) {
  return {
    domain: batchSettlementDomain(chainId, verifyingContract),
    types: CLAIM_BATCH_TYPES,
    primaryType: 'ClaimBatch',
    message: {
      claims: claims.map((row) => ({
        channelId: channelIdOf(row.voucher.channel, chainId, verifyingContract),
        maxClaimableAmount: row.voucher.maxClaimableAmount,
        totalClaimed: row.totalClaimed,
      })),
    },
  } as const
}
