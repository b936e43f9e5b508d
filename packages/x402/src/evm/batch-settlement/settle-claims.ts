// The seller's settle payloads that move no buyer money: `claim` (one claimWithSignature for many channels' vouchers;
// the facilitator signs the ClaimBatch as receiver authorizer when the seller sent no signature) and `settle` (the
// sweep of everything claimed for a receiver and token to the receiver, one transfer). A transaction out without a
// receipt in time is answered settlement_pending; the scheduler's next run of the same rows (or the same sweep) is
// answered about that transaction, from the chain, instead of sending a second one.
import { getAddress, parseEventLogs, type Hex } from 'viem'
import { readContract, signTypedData } from 'viem/actions'
import type { SettleResult } from '../../facilitator/types.js'
import { settleFailure } from '../chain-calls.js'
import { BATCH_SETTLEMENT_ABI } from './abi.js'
import { chainRead, dryRun, resumeSent, sendCall, unsent, type BatchContext, type Sent } from './chain-send.js'
import { BATCH_SETTLEMENT_ADDRESS, type VoucherClaim } from './constants.js'
import { sameAddress, toVoucherClaims } from './payload-parse.js'
import { BATCH_REASONS as REASONS } from './reasons.js'
import { channelIdOf, claimBatchTypedData } from './typed-data.js'
import type { ClaimPayloadWire, SettlePayloadWire } from './wire.js'

/** The ClaimBatch signature: the seller's, or this facilitator's when every row names it as receiver authorizer. */
export async function claimSignature(ctx: BatchContext, rows: readonly VoucherClaim[], given: Hex | undefined, chainId: number): Promise<{ signature: Hex } | { mismatch: string }> {
  if (given) return { signature: given }
  const own = ctx.receiverAuthorizer.address
  const foreign = rows.find((row) => !sameAddress(row.voucher.channel.receiverAuthorizer, own))
  if (foreign) return { mismatch: `Channel ${channelIdOf(foreign.voucher.channel, chainId)} names the receiver authorizer ${foreign.voucher.channel.receiverAuthorizer}; this facilitator signs as ${own}. Send claimAuthorizerSignature.` }
  return { signature: await signTypedData(ctx.client, { account: ctx.receiverAuthorizer, ...claimBatchTypedData(rows, chainId) }) }
}

export async function settleClaim(ctx: BatchContext, payload: ClaimPayloadWire, network: string, chainId: number, signal: AbortSignal): Promise<SettleResult> {
  const failed = settleFailure(network)
  const rows = toVoucherClaims(payload.claims)
  const signed = await claimSignature(ctx, rows, payload.claimAuthorizerSignature, chainId)
  if ('mismatch' in signed) return failed(REASONS.authorizerAddressMismatch, signed.mismatch)
  const key = `${chainId}:batch-claim:${rows.map((row) => `${channelIdOf(row.voucher.channel, chainId)}@${row.totalClaimed}`).join(',')}`.toLowerCase()
  let sent: Sent | undefined = await resumeSent(ctx, key, 'claimWithSignature', signal)
  if (sent === undefined) {
    const call = { functionName: 'claimWithSignature', args: [rows, signed.signature] }
    const refused = await dryRun(ctx, call, signal)
    if (refused) return failed(REASONS.claimSimulationFailed, refused)
    sent = await sendCall(ctx, key, call, signal)
  }
  if (sent.ok !== true) return unsent(sent, failed, REASONS.claimTransactionFailed)
  const claims = parseEventLogs({ abi: BATCH_SETTLEMENT_ABI, eventName: 'Claimed', logs: sent.receipt.logs }).map((log) => ({
    channelId: log.args.channelId,
    claimed: log.args.claimAmount.toString(),
    totalClaimed: log.args.newTotalClaimed.toString(),
  }))
  // A claim moves no tokens: the spec's amount is empty. `extra.claims` says what each channel's claim counted.
  return { success: true, transaction: sent.hash, network, amount: '', extra: { claims } }
}

export async function settleSweep(ctx: BatchContext, payload: SettlePayloadWire, network: string, signal: AbortSignal): Promise<SettleResult> {
  const failed = settleFailure(network)
  const [receiver, token] = [getAddress(payload.receiver), getAddress(payload.token)]
  const key = `${network}:batch-settle:${receiver}:${token}`.toLowerCase()
  let sent: Sent | undefined = await resumeSent(ctx, key, 'settle', signal)
  if (sent === undefined) {
    const [claimed, settled] = await chainRead('receivers', signal, () =>
      readContract(ctx.client, { address: BATCH_SETTLEMENT_ADDRESS, abi: BATCH_SETTLEMENT_ABI, functionName: 'receivers', args: [receiver, token] }),
    )
    if (claimed <= settled) return failed(REASONS.nothingToSettle, `${receiver} has nothing claimed and unsettled in ${token}.`)
    const call = { functionName: 'settle', args: [receiver, token] }
    const refused = await dryRun(ctx, call, signal)
    if (refused) return failed(REASONS.settleSimulationFailed, refused)
    sent = await sendCall(ctx, key, call, signal)
  }
  if (sent.ok !== true) return unsent(sent, failed, REASONS.settleTransactionFailed)
  const swept = parseEventLogs({ abi: BATCH_SETTLEMENT_ABI, eventName: 'Settled', logs: sent.receipt.logs }).find(
    (log) => sameAddress(log.address, BATCH_SETTLEMENT_ADDRESS) && sameAddress(log.args.receiver, receiver) && sameAddress(log.args.token, token),
  )
  return { success: true, transaction: sent.hash, network, amount: (swept?.args.amount ?? 0n).toString() }
}
