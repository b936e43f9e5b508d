// batchPayer: pays batch-settlement offers (x402 scheme_batch_settlement_evm) from a channel. The first request
// deposits (within the spend cap) and each request signs a cumulative voucher; the receipt's charge moves the
// channel on; a corrective 402 is checked before it is believed; a lost record is recovered from the chain. A
// deposit answered 5xx (or not at all) is checked on chain before the next request, and resent as it was while the
// chain does not have it: a facilitator fault never deposits twice.
import { channelIdOf } from '../evm/batch-settlement/typed-data.js'
import { BATCH_SETTLEMENT_SCHEME } from '../evm/batch-settlement/constants.js'
import { serves } from '../schemes/registry.js'
import type { BuyerChannel, BuyerChannelStore } from './batch-channel-store.js'
import { channelLocks } from './batch-channel-lock.js'
import { channelConfigOf, readBatchTerms } from './batch-offer.js'
import { channelFromChain, correctedChannel, type ChannelContext } from './batch-payer-correct.js'
import { depositFor, resolveBatchOptions, type BatchPayerOptions, type ResolvedBatchOptions } from './batch-payer-options.js'
import { encodeBatchProof, signDeposit, signVoucher } from './batch-payer-sign.js'
import type { DepositAuthorizationWire } from '../evm/batch-settlement/wire.js'
import { refundChannel, type RefundOptions, type RefundResult } from './batch-payer-refund.js'
import type { Offer, Payer } from './types.js'

/** A payer of batch-settlement offers, with its channels. */
export interface BatchPayer extends Payer {
  /**
   * Asks the seller at `url` to return what the channel holds beyond what it charged (all of it, or `amount`): a
   * zero-charge voucher in a `refund` payload, which the seller claims and refunds on chain without running the
   * handler. Throws `refund_failed` when it answers without a successful receipt.
   */
  refund(url: string | URL, options?: RefundOptions): Promise<RefundResult>
  /** The channels in the store. */
  channels(): Promise<BuyerChannel[]>
  /** The store the channels are kept in. */
  readonly store: BuyerChannelStore
}

interface Pending {
  channelId: `0x${string}`
  context: ChannelContext
  price: bigint
  deposit: bigint
  authorization?: DepositAuthorizationWire
  release: () => void
}

/** A deposit whose request failed with a 5xx or no answer: it may be on chain (its answer lost) or on its way. */
interface UnsureDeposit {
  amount: bigint
  authorization: DepositAuthorizationWire
}

/**
 * Pays `batch-settlement` offers on EVM chains from `account`: deposits into the x402BatchSettlement escrow once
 * (ERC-3009, or Permit2 when the offer asks: approve Permit2 for the token first) and signs one cumulative voucher
 * per request, which the seller checks without a chain transaction. Give it to `wrapFetch` or the MCP client.
 */
export function batchPayer(options: BatchPayerOptions): BatchPayer {
  const resolved = resolveBatchOptions(options)
  const { store } = resolved
  const kind = { schemes: [BATCH_SETTLEMENT_SCHEME], networks: resolved.networks }
  const locks = channelLocks()
  const pending = new Map<string, Pending>()
  const unsure = new Map<string, UnsureDeposit>()

  const contextOf = (offer: Offer): ChannelContext | undefined => contextFor(offer, resolved)

  /** The channel's record, or the chain's account of it when there is none. */
  async function load(context: ChannelContext, resource: string): Promise<BuyerChannel> {
    return (await store.get(context.channelId)) ?? channelFromChain(context, resource)
  }

  return {
    name: 'batch-settlement-evm',
    ...kind,
    store,
    canPay(offer) {
      return serves(kind, offer.requirements.scheme, offer.requirements.network) && contextOf(offer) !== undefined
    },
    async pay({ offer, maxAmount }) {
      const context = contextOf(offer)
      if (context === undefined) throw new Error(`the offer is not a complete batch-settlement offer: ${JSON.stringify(offer.requirements)}`)
      const { terms, config, channelId } = context
      const release = await locks.acquire(channelId)
      try {
        let channel = await load(context, offer.resource.url)
        const retried = unsure.get(channelId)
        unsure.delete(channelId)
        // The last deposit got no answer: the chain says whether it went through after all.
        if (retried) channel = { ...channel, balance: (await channelFromChain(context, offer.resource.url)).balance }
        const next = BigInt(channel.charged) + terms.price
        const shortfall = next - BigInt(channel.balance)
        // Still short: the same authorization again (a facilitator that sent it answers about its transaction, and
        // it can move the money once at most), while it covers the shortfall and is valid for another minute.
        const reuse = retried && shortfall > 0n && retried.amount >= shortfall && (maxAmount === undefined || retried.amount <= maxAmount) && validFor(retried.authorization) > 60 ? retried : undefined
        // Checked before anything is signed: a deposit over the cap signs nothing.
        const deposit = reuse ? reuse.amount : shortfall > 0n ? depositFor(terms, shortfall, resolved.deposit, maxAmount) : 0n
        const voucher = await signVoucher(resolved.voucherSigner, channelId, next, terms.chainId)
        const authorization =
          deposit > 0n ? (reuse?.authorization ?? (await signDeposit(resolved.account, terms, config, channelId, deposit, resolved.validForSeconds ?? terms.maxTimeoutSeconds))) : undefined
        const proof = authorization
          ? encodeBatchProof(offer, { type: 'deposit', channelConfig: config, voucher, deposit: { amount: deposit.toString(), authorization } })
          : encodeBatchProof(offer, { type: 'voucher', channelConfig: config, voucher })
        const signed = BigInt(channel.signed) > next ? BigInt(channel.signed) : next
        await store.set({ ...channel, signed: signed.toString(), updatedAt: Date.now() })
        pending.set(proof, { channelId, context, price: terms.price, deposit, authorization, release })
        return proof
      } catch (error) {
        release()
        throw error
      }
    },
    async afterPayment({ proof, response, receipt }) {
      const paid = pending.get(proof)
      if (paid === undefined) return
      pending.delete(proof)
      try {
        if ((response === undefined || response.status >= 500) && paid.authorization) unsure.set(paid.channelId, { amount: paid.deposit, authorization: paid.authorization })
        if (response === undefined || !response.ok || receipt?.success === false) return
        const channel = await store.get(paid.channelId)
        if (channel === undefined) return
        const balance = BigInt(channel.balance) + paid.deposit
        const charged = BigInt(channel.charged) + chargeIn(receipt?.extra as Record<string, unknown> | undefined, BigInt(channel.charged), paid.price)
        await store.set({ ...channel, balance: balance.toString(), charged: charged.toString(), updatedAt: Date.now() })
      } finally {
        paid.release()
      }
    },
    async correct({ proof, demand }) {
      const paid = pending.get(proof)
      if (paid === undefined) return false
      const channel = await store.get(paid.channelId)
      if (channel === undefined) return false
      const corrected = await correctedChannel({ ...paid.context, channel }, demand)
      if (corrected === undefined) return false
      await store.set(corrected)
      return true
    },
    refund: (url, refundOptions = {}) => refundChannel(url, refundOptions, { options: resolved, contextOf, load, locks }),
    channels: () => store.list(),
  }
}

/** The channel an offer opens for this payer, or undefined when the offer is not one it can pay. */
export function contextFor(offer: Offer, options: Pick<ResolvedBatchOptions, 'account' | 'voucherSigner' | 'salt' | 'chain'>): ChannelContext | undefined {
  const terms = readBatchTerms(offer)
  if (terms === undefined) return undefined
  const config = channelConfigOf(terms, options.account.address, options.voucherSigner.address, options.salt)
  return { terms, config, channelId: channelIdOf(config, terms.chainId), voucherSigner: config.payerAuthorizer, chain: options.chain }
}

/** Seconds until a deposit authorization expires. */
function validFor(authorization: DepositAuthorizationWire): number {
  const until = authorization.erc3009Authorization?.validBefore ?? authorization.permit2Authorization?.deadline ?? '0'
  return Number(until) - Math.floor(Date.now() / 1000)
}

/**
 * What a receipt says this request was charged, when we can believe it: at most the price, and agreeing with the
 * seller's cumulative total when it gives one (its channel state is never copied). Otherwise 0: the next voucher
 * is then signed from our own state and a seller that disagrees answers with a corrective 402.
 */
function chargeIn(extra: Record<string, unknown> | undefined, previous: bigint, price: bigint): bigint {
  const raw = extra?.chargedAmount
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) return 0n
  const charged = BigInt(raw)
  if (charged > price) return 0n
  const cumulative = (extra?.channelState as { chargedCumulativeAmount?: unknown } | undefined)?.chargedCumulativeAmount
  if (cumulative !== undefined && (typeof cumulative !== 'string' || !/^\d+$/.test(cumulative) || BigInt(cumulative) !== previous + charged)) return 0n
  return charged
}
