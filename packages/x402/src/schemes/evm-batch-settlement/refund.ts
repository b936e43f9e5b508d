// A buyer's `refund` payload: a payment operation, not a paid request. The seller completes it as the spec says
// (the amount, all that is unclaimed when none is asked; the refund nonce; the claim of the last voucher; the
// receiver authorizer's signatures when the seller holds that key), the facilitator sends it, and the channel's
// record follows (kept when nothing is left in it: its count goes on if the buyer funds it again). The handler
// does not run.
import { getAddress, type Hex } from 'viem'
import { withDeadline } from '../../engine/deadline.js'
import { claimBatchTypedData, refundTypedData } from '../../evm/batch-settlement/typed-data.js'
import type { EnrichedRefundPayloadWire, RefundPayloadWire, VoucherClaimWire } from '../../evm/batch-settlement/wire.js'
import { chainIdOfNetwork } from '../../evm/networks.js'
import type { DecodedProof } from '../../codec/types.js'
import { TollgateError } from '../../errors.js'
import { isSettlementPending } from '../../facilitator/pending.js'
import type { LocalAccepted, LocalInput, LocalRefused } from '../contract.js'
import { channelStateOf, refusal, snapshotOf, specReason } from './answers.js'
import { commitChannel, type ChannelRecord } from './channel-record.js'

/** The receiver authorizer's key, as a viem account (or anything that signs EIP-712 typed data the same way). */
export interface ReceiverSigner {
  address: string
  signTypedData(typedData: any): Promise<Hex>
}

export async function completeRefund(input: LocalInput, payload: RefundPayloadWire, record: ChannelRecord, holder: string, signer: ReceiverSigner | undefined): Promise<LocalAccepted | LocalRefused> {
  const { request, store } = input
  const network = request.requirements.network
  const unclaimed = BigInt(record.balance) - BigInt(record.chargedCumulativeAmount)
  if (unclaimed <= 0n) return refusal(specReason('refund_no_balance'), 'Nothing is left in this channel to refund.')
  const amount = payload.amount === undefined ? unclaimed : BigInt(payload.amount)
  if (amount <= 0n || amount > unclaimed) return refusal(specReason('refund_amount_invalid'), `A refund of at most ${unclaimed} can be asked.`)

  const config = { ...payload.channelConfig }
  const claim: VoucherClaimWire = {
    voucher: { channel: config, maxClaimableAmount: payload.voucher.maxClaimableAmount },
    signature: payload.voucher.signature,
    totalClaimed: record.chargedCumulativeAmount,
  }
  const enriched: EnrichedRefundPayloadWire = { ...payload, amount: amount.toString(), refundNonce: record.refundNonce, claims: [claim] }
  if (signer) await signAsReceiver(enriched, signer, network)
  const proof = request.proof as Extract<DecodedProof, { x402Version: 2 }>
  const settleRequest = {
    ...request,
    proof: { ...proof, payload: { ...proof.payload, payload: enriched as unknown as Record<string, unknown> } },
    verification: { isValid: true, payer: config.payer },
  }
  const result = await withDeadline('settle', input.settleTimeoutMs, (signal) => input.facilitator.settle(settleRequest, signal))
  // Out without a receipt yet: a 504 as for any settlement_pending; the buyer's retry of the refund asks about it.
  if (isSettlementPending(result)) return { ok: false, error: new TollgateError('settlement_pending', 'The refund is pending on chain: retry it.', { transaction: result.transaction }) }
  if (!result.success) return refusal(result.errorReason ?? specReason('refund_transaction_failed'))

  const after = snapshotOf((result.extra as { channelState?: unknown } | undefined)?.channelState)
  const next: ChannelRecord = after ? { ...record, ...after, onchainSyncedAt: Date.now() } : { ...record, balance: (BigInt(record.balance) - amount).toString() }
  next.signedMaxClaimable = payload.voucher.maxClaimableAmount
  next.signature = payload.voucher.signature
  next.lastRequestTimestamp = Date.now()
  await commitChannel(store, record.channelId, holder, next, input.givenStore)
  const receipt = { ...result, payer: result.payer ?? config.payer, extra: { ...(result.extra as object | undefined), channelState: channelStateOf(next) } }
  return {
    ok: true,
    payer: config.payer,
    answered: { receipt, body: { message: 'Refund acknowledged', channelId: record.channelId } },
    commit: async () => receipt,
    release: () => {},
  }
}

async function signAsReceiver(enriched: EnrichedRefundPayloadWire, signer: ReceiverSigner, network: string): Promise<void> {
  const chainId = chainIdOfNetwork(network)!
  const channelId = enriched.voucher.channelId
  const config = enriched.channelConfig
  const channel = {
    ...config,
    payer: getAddress(config.payer),
    payerAuthorizer: getAddress(config.payerAuthorizer),
    receiver: getAddress(config.receiver),
    receiverAuthorizer: getAddress(config.receiverAuthorizer),
    token: getAddress(config.token),
  }
  const rows = enriched.claims.map((row) => ({ voucher: { channel, maxClaimableAmount: BigInt(row.voucher.maxClaimableAmount) }, signature: row.signature, totalClaimed: BigInt(row.totalClaimed) }))
  enriched.refundAuthorizerSignature = await signer.signTypedData(refundTypedData({ channelId, nonce: BigInt(enriched.refundNonce), amount: BigInt(enriched.amount) }, chainId))
  enriched.claimAuthorizerSignature = await signer.signTypedData(claimBatchTypedData(rows, chainId))
}

