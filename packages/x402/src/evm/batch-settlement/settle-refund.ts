// The seller's completed refund: the payer's unclaimed balance back, in one transaction. With claims, a multicall of
// claimWithSignature (the vouchers up to now) and refundWithSignature; the facilitator signs what the seller left
// unsigned when the channel names it as receiver authorizer. Answered with the amount returned and the channel after.
import { encodeFunctionData, parseEventLogs, type PublicClient } from 'viem'
import { signTypedData } from 'viem/actions'
import type { SettleResult } from '../../facilitator/types.js'
import { settleFailure } from '../chain-calls.js'
import { BATCH_SETTLEMENT_ABI } from './abi.js'
import { chainRead, dryRun, once, sendCall, type BatchContext, type ContractCall } from './chain-send.js'
import { channelStateExtra, configBreak, type BatchOffer } from './channel-rules.js'
import { readChannel } from './channel-state.js'
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
  return once(ctx, `${chainId}:batch-refund:${channelId}`.toLowerCase(), busy, async () => {
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
    const sent = await sendCall(ctx, call, signal)
    if (!sent.ok) return failed(REASONS.refundTransactionFailed, sent.message, payer, sent.hash ? { revertedTransaction: sent.hash } : {})
    const refunded = parseEventLogs({ abi: BATCH_SETTLEMENT_ABI, eventName: 'Refunded', logs: sent.receipt.logs })
      .filter((log) => log.args.channelId.toLowerCase() === channelId.toLowerCase())
      .reduce((sum, log) => sum + log.args.amount, 0n)
    const fallback = { ...before, balance: before.balance - refunded, totalClaimed: claimedAfter, refundNonce: nonce + 1n }
    const after = await chainRead('the channel', signal, () => readChannel(ctx.client as PublicClient, channelId)).catch(() => fallback)
    return { success: true, transaction: sent.hash, network: offer.network, payer, amount: refunded.toString(), extra: { channelState: channelStateExtra(after) } }
  })
}
