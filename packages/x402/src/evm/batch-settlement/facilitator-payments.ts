// localFacilitator's batch-settlement path: the kind checks every payload passes (x402 v2, the scheme, this chain),
// then verify of the buyer's deposit, voucher and refund, and settle of a deposit and of the seller's claim, settle
// and completed refund. The work is in the files beside this one; this routes by `payload.type`.
import { isAddress, type Address } from 'viem'
import type { PaymentKind, SettleRequest, SettleResult, VerifyRequest, VerifyResult } from '../../facilitator/types.js'
import { eip155Network } from '../../requirements/networks.js'
import { settleFailure, withAbort } from '../chain-calls.js'
import { proofParts } from '../proof-kind.js'
import { EXACT_EVM_REASONS } from '../scheme.js'
import type { BatchContext } from './chain-send.js'
import type { BatchOffer, RuleBreak } from './channel-rules.js'
import { BATCH_SETTLEMENT_SCHEME } from './constants.js'
import { parseBatchPayload, type ParsedPayload } from './payload-parse.js'
import { refusedWith, verifyDeposit, verifyVoucher } from './payment-verify.js'
import { BATCH_REASONS as REASONS } from './reasons.js'
import { settleClaim, settleSweep } from './settle-claims.js'
import { settleDeposit } from './settle-deposit.js'
import { settleRefund } from './settle-refund.js'

type Checked = { ok: true; parsed: ParsedPayload; chainId: number; offer: BatchOffer } | ({ ok: false } & RuleBreak)

/** Payloads about one channel need the offer's asset and payTo; the seller's claim and settle do not. */
function offerBreak(parsed: ParsedPayload, request: VerifyRequest): RuleBreak | undefined {
  if (parsed.type === 'claim' || parsed.type === 'settle') return undefined
  const { asset, payTo } = request.requirements
  if (typeof asset !== 'string' || !isAddress(asset)) return { reason: REASONS.tokenMismatch, message: `The offer's asset ${String(asset)} is no token address.` }
  if (typeof payTo !== 'string' || !isAddress(payTo)) return { reason: REASONS.receiverMismatch, message: `The offer's payTo ${String(payTo)} is no address.` }
  return undefined
}

export function batchSettlementPayments(shared: Omit<BatchContext, 'outstanding'>) {
  const ctx: BatchContext = { ...shared, outstanding: new Map() }
  async function check(request: VerifyRequest, phase: 'verify' | 'settle', signal: AbortSignal): Promise<Checked> {
    signal.throwIfAborted()
    const { proof, requirements } = request
    if (proof.x402Version !== 2) return { ok: false, reason: EXACT_EVM_REASONS.invalidVersion, message: `batch-settlement is x402 v2; this proof is v${proof.x402Version}.` }
    const parts = proofParts(proof)
    if (requirements.scheme !== BATCH_SETTLEMENT_SCHEME || parts.scheme !== BATCH_SETTLEMENT_SCHEME) {
      return { ok: false, reason: REASONS.scheme, message: `Scheme "${String(parts.scheme)}" paid for "${requirements.scheme}"; this path handles "${BATCH_SETTLEMENT_SCHEME}".` }
    }
    const chainId = await withAbort(ctx.chainId(), signal)
    const ours = eip155Network(chainId)
    if (requirements.network !== ours || parts.network !== requirements.network) {
      return { ok: false, reason: REASONS.networkMismatch, message: `The offer is on ${requirements.network} and the proof on ${String(parts.network)}; this facilitator's chain is ${ours}.` }
    }
    const parsed = parseBatchPayload(parts.payload, phase)
    if ('refused' in parsed) return { ok: false, reason: parsed.refused, message: parsed.message }
    const broken = offerBreak(parsed, request)
    if (broken) return { ok: false, ...broken }
    return { ok: true, parsed, chainId, offer: requirements as BatchOffer }
  }

  return {
    async verify(request: VerifyRequest, signal: AbortSignal): Promise<VerifyResult> {
      const checked = await check(request, 'verify', signal)
      if (!checked.ok) return refusedWith(checked)
      const { parsed, offer, chainId } = checked
      if (parsed.type === 'deposit') return verifyDeposit(ctx, parsed.payload, offer, chainId, signal)
      if (parsed.type === 'voucher' || parsed.type === 'refund') return verifyVoucher(ctx, parsed.payload, offer, chainId, signal)
      return refusedWith({ reason: REASONS.payloadType, message: `A ${parsed.type} payload is for settle, not verify.` })
    },

    async settle(request: SettleRequest, signal: AbortSignal): Promise<SettleResult> {
      const checked = await check(request, 'settle', signal)
      if (!checked.ok) return settleFailure(request.requirements.network)(checked.reason, checked.message)
      const { parsed, offer, chainId } = checked
      switch (parsed.type) {
        case 'deposit':
          return settleDeposit(ctx, parsed.payload, offer, chainId, signal)
        case 'claim':
          return settleClaim(ctx, parsed.payload, offer.network, chainId, signal)
        case 'settle':
          return settleSweep(ctx, parsed.payload, offer.network, signal)
        case 'enrichedRefund':
          return settleRefund(ctx, parsed.payload, offer, chainId, signal)
        default:
          return settleFailure(offer.network)(REASONS.payloadType, `A ${parsed.type} payload is verified, not settled.`)
      }
    },

    /** What `/supported` lists and offers carry: the receiver authorizer sellers may delegate to. */
    kind(network: string): PaymentKind {
      return { x402Version: 2, scheme: BATCH_SETTLEMENT_SCHEME, network, extra: { receiverAuthorizer: ctx.receiverAuthorizer.address as Address } }
    },
  }
}
