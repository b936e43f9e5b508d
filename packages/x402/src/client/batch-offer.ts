// A batch-settlement offer read as the terms of a channel: the seller's half of the channel config (payTo,
// receiverAuthorizer, asset, withdrawDelay), the price per request, the token's EIP-712 domain and the deposit
// method. Undefined when the offer is not one a buyer can pay.
import { getAddress, isAddress, zeroAddress, type Address, type Hex } from 'viem'
import { BATCH_SETTLEMENT_SCHEME, MAX_WITHDRAW_DELAY, MIN_WITHDRAW_DELAY, type ChannelConfig } from '../evm/batch-settlement/constants.js'
import { chainIdOfNetwork } from '../evm/networks.js'
import type { Offer } from './types.js'

export interface BatchTerms {
  network: string
  chainId: number
  /** The most one request may be charged (the offer's `amount`). */
  price: bigint
  token: Address
  receiver: Address
  receiverAuthorizer: Address
  withdrawDelay: number
  /** The token's EIP-712 domain. */
  name: string
  version: string
  method: 'eip3009' | 'permit2'
  /** The seller's deposit target, when it gave a conforming one (>= price). */
  minDeposit: bigint | undefined
  maxTimeoutSeconds: number
}

/** The channel terms of a batch-settlement offer, or undefined when it is not one we can pay (v2, EVM, complete). */
export function readBatchTerms(offer: Offer): BatchTerms | undefined {
  const { requirements } = offer
  if (offer.x402Version !== 2 || requirements.scheme !== BATCH_SETTLEMENT_SCHEME) return undefined
  const chainId = chainIdOfNetwork(requirements.network)
  const extra = (requirements.extra ?? {}) as Record<string, unknown>
  const { amount, asset, payTo } = requirements
  const { receiverAuthorizer, withdrawDelay, name, version } = extra
  if (chainId === undefined || typeof amount !== 'string' || !/^[1-9]\d*$/.test(amount)) return undefined
  if (!isAddress(String(asset)) || !isAddress(String(payTo)) || !isAddress(String(receiverAuthorizer))) return undefined
  if (String(receiverAuthorizer).toLowerCase() === zeroAddress) return undefined
  if (typeof withdrawDelay !== 'number' || !Number.isInteger(withdrawDelay) || withdrawDelay < MIN_WITHDRAW_DELAY || withdrawDelay > MAX_WITHDRAW_DELAY) return undefined
  if (typeof name !== 'string' || typeof version !== 'string') return undefined
  const method = extra.assetTransferMethod ?? 'eip3009'
  if (method !== 'eip3009' && method !== 'permit2') return undefined
  const price = BigInt(amount)
  const minDeposit = typeof extra.minDeposit === 'string' && /^\d+$/.test(extra.minDeposit) && BigInt(extra.minDeposit) >= price ? BigInt(extra.minDeposit) : undefined
  return {
    network: requirements.network,
    chainId,
    price,
    token: getAddress(String(asset)),
    receiver: getAddress(String(payTo)),
    receiverAuthorizer: getAddress(String(receiverAuthorizer)),
    withdrawDelay,
    name,
    version,
    method,
    minDeposit,
    maxTimeoutSeconds: typeof requirements.maxTimeoutSeconds === 'number' && requirements.maxTimeoutSeconds > 0 ? requirements.maxTimeoutSeconds : 300,
  }
}

/** The full channel config: the seller's terms and the buyer's payer, voucher signer and salt. */
export function channelConfigOf(terms: BatchTerms, payer: Address, payerAuthorizer: Address, salt: Hex): ChannelConfig {
  return {
    payer: getAddress(payer),
    payerAuthorizer: getAddress(payerAuthorizer),
    receiver: terms.receiver,
    receiverAuthorizer: terms.receiverAuthorizer,
    token: terms.token,
    withdrawDelay: terms.withdrawDelay,
    salt,
  }
}

/** Whether an offer of a 402 is the same channel's (scheme, network, token, receiver): to find it in a corrective 402. */
export function sameChannelTerms(offer: Offer, terms: BatchTerms): boolean {
  const other = readBatchTerms(offer)
  return (
    other !== undefined &&
    other.network === terms.network &&
    other.token === terms.token &&
    other.receiver === terms.receiver &&
    other.receiverAuthorizer === terms.receiverAuthorizer &&
    other.withdrawDelay === terms.withdrawDelay
  )
}
