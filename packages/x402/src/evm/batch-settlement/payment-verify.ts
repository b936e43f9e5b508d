// The facilitator's /verify of the buyer's batch-settlement payloads: a deposit (deposit-verify.ts), a voucher, or a
// refund request, each answered with the spec's reason or, when valid, the channel snapshot in `extra`.
import type { PublicClient } from 'viem'
import type { VerifyResult } from '../../facilitator/types.js'
import { chainRead, type BatchContext } from './chain-send.js'
import { amountBreak, channelStateExtra, configBreak, offerPrice, voucherBreak, type BatchOffer, type RuleBreak } from './channel-rules.js'
import { readChannel } from './channel-state.js'
import { checkDeposit } from './deposit-verify.js'
import type { DepositPayloadWire, RefundPayloadWire, VoucherPayloadWire } from './wire.js'

export const refusedWith = (broken: RuleBreak, payer?: string): VerifyResult => ({
  isValid: false,
  invalidReason: broken.reason,
  invalidMessage: broken.message,
  ...(payer === undefined ? {} : { payer }),
  // The spec: every verify answer carries the channel snapshot; a refusal does when the chain was read.
  ...(broken.channelState === undefined ? {} : { extra: broken.channelState }),
})

/**
 * A voucher (or a refund's zero-charge voucher) on a channel that exists: the config, the signature, then the chain.
 * A pending timed withdrawal does not refuse it (the spec reports it as `withdrawRequestedAt`, for the seller to
 * claim before the delay ends); once finalized, the lower balance refuses what it no longer covers.
 */
export async function verifyVoucher(ctx: BatchContext, payload: VoucherPayloadWire | RefundPayloadWire, offer: BatchOffer, chainId: number, signal: AbortSignal): Promise<VerifyResult> {
  const { channelConfig: config, voucher } = payload
  const payer = config.payer
  const broken = configBreak(config, voucher.channelId, offer, chainId) ?? (await voucherBreak(ctx.client, config, voucher, chainId, signal))
  if (broken) return refusedWith(broken, payer)
  const snapshot = await chainRead('the channel', signal, () => readChannel(ctx.client as PublicClient, voucher.channelId))
  const amountBroken = amountBreak(snapshot, BigInt(voucher.maxClaimableAmount), payload.type, 0n, offerPrice(offer))
  if (amountBroken) return refusedWith(amountBroken, payer)
  return { isValid: true, payer, network: offer.network, extra: channelStateExtra(snapshot) }
}

export async function verifyDeposit(ctx: BatchContext, payload: DepositPayloadWire, offer: BatchOffer, chainId: number, signal: AbortSignal): Promise<VerifyResult> {
  const checked = await checkDeposit(ctx, payload, offer, chainId, signal)
  if (!checked.ok) return refusedWith(checked, payload.channelConfig.payer)
  return { isValid: true, payer: payload.channelConfig.payer, network: offer.network, extra: channelStateExtra(checked.snapshot) }
}
