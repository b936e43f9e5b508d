// The spec's verification rules every deposit, voucher and refund passes (scheme_batch_settlement_evm.md,
// "Verification Rules" 1-7): the config hashes to the channel id and matches the offer, the voucher is signed by
// the payer authorizer (or the payer, maybe an ERC-1271 wallet), and the channel snapshot the answers carry.
import { getAddress, isAddress, zeroAddress, type Address, type Client, type Hex } from 'viem'
import { verifyTypedData } from 'viem/actions'
import type { PaymentRequirements } from '../../codec/types.js'
import { chainRead } from './chain-send.js'
import type { ChannelSnapshot } from './channel-state.js'
import { MAX_WITHDRAW_DELAY, MIN_WITHDRAW_DELAY } from './constants.js'
import { sameAddress, toChannelConfig } from './payload-parse.js'
import { BATCH_REASONS as REASONS } from './reasons.js'
import { channelIdOf, voucherTypedData } from './typed-data.js'
import { localVoucherSigner, verifyVoucherSignature } from './voucher-verify.js'
import type { ChannelConfigWire, ChannelStateExtraWire, VoucherWire } from './wire.js'

/** An offer the batch-settlement path can check against: its asset and payTo are addresses (the dispatcher checks). */
export type BatchOffer = PaymentRequirements & { asset: Address; payTo: Address }

export interface RuleBreak {
  reason: string
  message: string
  /** The channel as the chain has it, when the rule was checked against it: verify's refusal carries it (spec). */
  channelState?: ChannelStateExtraWire
}

/** Rules 1-5 and the delay bounds: the config is the channel's and the offer's; undefined when it is. */
export function configBreak(config: ChannelConfigWire, channelId: Hex, requirements: BatchOffer, chainId: number): RuleBreak | undefined {
  const computed = channelIdOf(toChannelConfig(config), chainId)
  if (computed.toLowerCase() !== channelId.toLowerCase()) {
    return { reason: REASONS.channelIdMismatch, message: `The channel config hashes to ${computed} on chain ${chainId}, not to ${channelId}.` }
  }
  if (!sameAddress(config.receiver, requirements.payTo)) {
    return { reason: REASONS.receiverMismatch, message: `The channel pays ${config.receiver}, the offer's payTo is ${requirements.payTo}.` }
  }
  const extra = requirements.extra ?? {}
  const authorizer = extra.receiverAuthorizer
  if (typeof authorizer !== 'string' || !isAddress(authorizer) || sameAddress(authorizer, zeroAddress) || !sameAddress(config.receiverAuthorizer, authorizer)) {
    return { reason: REASONS.receiverAuthorizerMismatch, message: `The channel's receiver authorizer is ${config.receiverAuthorizer}, the offer's is ${String(authorizer)}.` }
  }
  if (!sameAddress(config.token, requirements.asset)) {
    return { reason: REASONS.tokenMismatch, message: `The channel's token is ${config.token}, the offer's asset is ${requirements.asset}.` }
  }
  if (extra.withdrawDelay !== undefined && Number(extra.withdrawDelay) !== config.withdrawDelay) {
    return { reason: REASONS.withdrawDelayMismatch, message: `The channel's withdrawDelay is ${config.withdrawDelay}, the offer's is ${String(extra.withdrawDelay)}.` }
  }
  if (config.withdrawDelay < MIN_WITHDRAW_DELAY || config.withdrawDelay > MAX_WITHDRAW_DELAY) {
    return { reason: REASONS.withdrawDelayOutOfRange, message: `withdrawDelay ${config.withdrawDelay} s is outside ${MIN_WITHDRAW_DELAY}-${MAX_WITHDRAW_DELAY} s.` }
  }
  return undefined
}

/**
 * Rule 6: a payer authorizer's voucher is checked here (one recovery, the form the contract's claim accepts); with a
 * zero payer authorizer the payer signs, and the chain is asked (an ERC-1271 wallet, as the contract will ask it).
 */
export async function voucherBreak(client: Client, config: ChannelConfigWire, voucher: VoucherWire, chainId: number, signal: AbortSignal): Promise<RuleBreak | undefined> {
  const maxClaimableAmount = BigInt(voucher.maxClaimableAmount)
  const signer = localVoucherSigner(config)
  const valid = signer
    ? await verifyVoucherSignature({ channelId: voucher.channelId, maxClaimableAmount, signature: voucher.signature, signer, chainId })
    : await chainRead('the payer wallet signature check', signal, () =>
        verifyTypedData(client, { address: getAddress(config.payer), signature: voucher.signature, ...voucherTypedData({ channelId: voucher.channelId, maxClaimableAmount }, chainId) }),
      )
  if (valid) return undefined
  return { reason: REASONS.voucherSignature, message: `The voucher for ${maxClaimableAmount} is not signed by ${signer ?? `the payer ${config.payer}`}.` }
}

/**
 * Rules 7, 9 and 10 against the channel as it is (plus the deposit being made): a positive balance (deposits make
 * one), the voucher within it, and a voucher (a deposit's too: the spec names both) at least what was claimed plus
 * the offer's `price`; a refund's zero-charge voucher may equal what was claimed. A break carries the channel as
 * read, so that a seller whose count is behind the chain learns what was claimed from the refusal.
 */
export function amountBreak(snapshot: ChannelSnapshot, maxClaimableAmount: bigint, type: 'deposit' | 'voucher' | 'refund', deposit = 0n, price = 0n): RuleBreak | undefined {
  const channelState = channelStateExtra(snapshot)
  const balance = snapshot.balance + deposit
  if (balance === 0n) return { reason: REASONS.channelNotFound, message: `Channel ${snapshot.channelId} has no balance on chain.`, channelState }
  if (maxClaimableAmount > balance) {
    return { reason: REASONS.cumulativeExceedsBalance, message: `The voucher's ${maxClaimableAmount} exceeds the channel's balance ${balance}${deposit ? ' with the deposit' : ''}.`, channelState }
  }
  // A paid request (a voucher, or a deposit's voucher) advances the claimable ceiling by at least its price.
  const floor = type === 'refund' ? snapshot.totalClaimed : snapshot.totalClaimed + (price > 0n ? price : 1n)
  if (maxClaimableAmount < floor) {
    const what = type === 'refund' ? '' : ' plus this request'
    return { reason: REASONS.cumulativeBelowClaimed, message: `The voucher's ${maxClaimableAmount} is below ${floor}: the ${snapshot.totalClaimed} already claimed${what}.`, channelState }
  }
  return undefined
}

/** The offer's amount in atomic units (the price a paid request's voucher must advance by), 0 when it has none. */
export function offerPrice(requirements: BatchOffer): bigint {
  return typeof requirements.amount === 'string' && /^[0-9]{1,39}$/.test(requirements.amount) ? BigInt(requirements.amount) : 0n
}

/** The snapshot as verify's `extra` and a receipt's `extra.channelState` carry it. */
export function channelStateExtra(snapshot: ChannelSnapshot): ChannelStateExtraWire {
  return {
    channelId: snapshot.channelId,
    balance: snapshot.balance.toString(),
    totalClaimed: snapshot.totalClaimed.toString(),
    withdrawRequestedAt: snapshot.withdrawRequestedAt,
    refundNonce: snapshot.refundNonce.toString(),
  }
}
