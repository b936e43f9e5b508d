// The seller's completed refund: the payer's unclaimed balance back, in one transaction. With claims, a multicall of
// claimWithSignature (the vouchers up to now) and refundWithSignature; the facilitator signs what the seller left
// unsigned when the channel names it as receiver authorizer. Answered with the amount returned and the channel after;
// one out without a receipt in time, settlement_pending, and the same refund asked again answers about it.
import { encodeFunctionData, parseEventLogs, type Hash, type Hex, type PublicClient, type TransactionReceipt } from 'viem'
import { signTypedData } from 'viem/actions'
import type { SettleResult } from '../../facilitator/types.js'
import { settleFailure } from '../chain-calls.js'
import { BATCH_SETTLEMENT_ABI } from './abi.js'
import { chainRead, dryRun, once, resumeSent, sendCall, unsent, type BatchContext, type ContractCall } from './chain-send.js'
import { channelStateExtra, configBreak, type BatchOffer } from './channel-rules.js'
import { readChannel, type ChannelSnapshot } from './channel-state.js'
import { sameAddress, toChannelConfig, toVoucherClaims } from './payload-parse.js'
import { BATCH_REASONS as REASONS } from './reasons.js'
import { claimSignature } from './settle-claims.js'
import { refundTypedData } from './typed-data.js'
import type { EnrichedRefundPayloadWire } from './wire.js'

export async function settleRefund(ctx: BatchContext, payload: EnrichedRefundPayloadWire, offer: BatchOffer, chainId: number, signal: AbortSignal): Promise<SettleResult> {
  const failed = settleFailure(offer.network)
  const payer = payload.channelConfig.payer
  const channelId = payload.voucher.channelId
  const broken = configBreak(payload.channelConfig, channelId, offer, chainId)
  if (broken) return failed(broken.reason, broken.message, payer)
  const amount = BigInt(payload.amount)
  if (amount === 0n) return failed(REASONS.refundAmountInvalid, 'The refund amount is 0.', payer)
  const config = toChannelConfig(payload.channelConfig)
  const rows = toVoucherClaims(payload.claims)

  const busy = () => failed(REASONS.refundTransactionFailed, `A refund of channel ${channelId} is being settled already.`, payer)
  const key = `${chainId}:batch-refund:${channelId}:${payload.refundNonce}`.toLowerCase()
  return once(ctx, key, busy, async () => {
    const resumed = await resumeSent(ctx, key, 'refund', signal)
    if (resumed !== undefined) {
      if (resumed.ok !== true) return unsent(resumed, failed, REASONS.refundTransactionFailed, payer)
      return refundedBy(ctx, resumed.receipt, resumed.hash, channelId, offer.network, payer, signal)
    }
    const before = await chainRead('the channel', signal, () => readChannel(ctx.client as PublicClient, channelId))
    const claimedAfter = rows.reduce((most, row) => (row.totalClaimed > most ? row.totalClaimed : most), before.totalClaimed)
    if (before.balance <= claimedAfter) return failed(REASONS.refundNoBalance, `Channel ${channelId} has nothing unclaimed to refund (balance ${before.balance}, claimed ${claimedAfter}).`, payer)

    const own = ctx.receiverAuthorizer.address
    if ((!payload.refundAuthorizerSignature || (rows.length > 0 && !payload.claimAuthorizerSignature)) && !sameAddress(config.receiverAuthorizer, own)) {
      return failed(REASONS.authorizerAddressMismatch, `The channel names the receiver authorizer ${config.receiverAuthorizer}; this facilitator signs as ${own}.`, payer)
    }
    const nonce = BigInt(payload.refundNonce)
    const refundSignature =
      payload.refundAuthorizerSignature ?? (await signTypedData(ctx.client, { account: ctx.receiverAuthorizer, ...refundTypedData({ channelId, nonce, amount }, chainId) }))
    const refundArgs = [config, amount, nonce, refundSignature] as const
    let call: ContractCall = { functionName: 'refundWithSignature', args: refundArgs }
    if (rows.length > 0) {
      const signed = await claimSignature(ctx, rows, payload.claimAuthorizerSignature, chainId)
      if ('mismatch' in signed) return failed(REASONS.authorizerAddressMismatch, signed.mismatch, payer)
      const claimData = encodeFunctionData({ abi: BATCH_SETTLEMENT_ABI, functionName: 'claimWithSignature', args: [rows, signed.signature] })
      const refundData = encodeFunctionData({ abi: BATCH_SETTLEMENT_ABI, functionName: 'refundWithSignature', args: refundArgs })
      call = { functionName: 'multicall', args: [[claimData, refundData]] }
    }
    const refused = await dryRun(ctx, call, signal)
    if (refused) return failed(REASONS.refundSimulationFailed, refused, payer)
    const sent = await sendCall(ctx, key, call, signal)
    if (sent.ok !== true) return unsent(sent, failed, REASONS.refundTransactionFailed, payer)
    const fallback = (refunded: bigint) => ({ ...before, balance: before.balance - refunded, totalClaimed: claimedAfter, refundNonce: nonce + 1n })
    return refundedBy(ctx, sent.receipt, sent.hash, channelId, offer.network, payer, signal, fallback)
  })
}

/** The answer for a mined refund: the amount its Refunded events returned and the channel after (read, else computed). */
async function refundedBy(ctx: BatchContext, receipt: TransactionReceipt, hash: Hash, channelId: Hex, network: string, payer: string, signal: AbortSignal, fallback?: (refunded: bigint) => ChannelSnapshot): Promise<SettleResult> {
  const refunded = parseEventLogs({ abi: BATCH_SETTLEMENT_ABI, eventName: 'Refunded', logs: receipt.logs })
    .filter((log) => log.args.channelId.toLowerCase() === channelId.toLowerCase())
    .reduce((sum, log) => sum + log.args.amount, 0n)
  const read = chainRead('the channel', signal, () => readChannel(ctx.client as PublicClient, channelId))
  const after = fallback ? await read.catch(() => fallback(refunded)) : await read
  return { success: true, transaction: hash, network, payer, amount: refunded.toString(), extra: { channelState: channelStateExtra(after) } }
}
