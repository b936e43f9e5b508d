// The buyer's cooperative refund: ask the route for its offer (a plain request answered 402), sign a zero-charge
// voucher (what was charged so far, nothing more) in a `refund` payload, and send it. The seller claims that
// voucher and refunds the rest on chain, without running its handler. A corrective 402 is checked and, once, adopted.
import { PAYMENT_SIGNATURE } from '../codec/headers.js'
import { TollgateError } from '../errors.js'
import type { BuyerChannel } from './batch-channel-store.js'
import type { ChannelLocks } from './batch-channel-lock.js'
import { correctedChannel, type ChannelContext } from './batch-payer-correct.js'
import type { ResolvedBatchOptions } from './batch-payer-options.js'
import { encodeBatchProof, signVoucher } from './batch-payer-sign.js'
import { readPaymentDemand, readReceiptHeader } from './offers.js'
import type { Offer } from './types.js'

export interface RefundOptions {
  /** Atomic units to get back; default all that was not charged. */
  amount?: bigint | string
  /** The fetch to use; default the payer's `fetch`, else the global one. */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  /** The method the route is served on; default GET. */
  method?: string
}

export interface RefundResult {
  channelId: `0x${string}`
  /** Atomic units the seller returned (the receipt's `amount`). */
  refunded: bigint
  /** The refund transaction. */
  transaction: string
  /** What the channel holds after it, as we know it (0 once drained: the record is then removed). */
  balance: bigint
}

interface RefundDeps {
  options: ResolvedBatchOptions
  contextOf(offer: Offer): ChannelContext | undefined
  load(context: ChannelContext, resource: string): Promise<BuyerChannel>
  locks: ChannelLocks
}

export async function refundChannel(url: string | URL, refund: RefundOptions, deps: RefundDeps): Promise<RefundResult> {
  const amount = refund.amount === undefined ? undefined : String(refund.amount)
  if (amount !== undefined && !/^[1-9]\d*$/.test(amount)) {
    throw new TollgateError('invalid_options', `refund: amount ${JSON.stringify(amount)} is not a positive number of atomic units.`, { path: 'amount', expected: 'atomic units' })
  }
  const fetchImpl = refund.fetch ?? deps.options.fetch ?? globalThis.fetch
  const method = refund.method ?? 'GET'
  const target = String(url)
  const probe = await fetchImpl(target, { method })
  if (probe.status !== 402) {
    await probe.body?.cancel().catch(() => undefined)
    throw failed(target, `it answered ${probe.status}, not a 402 with a batch-settlement offer`)
  }
  const demand = await readPaymentDemand(probe)
  const offer = demand.offers.find((candidate) => deps.contextOf(candidate) !== undefined)
  const context = offer && deps.contextOf(offer)
  if (offer === undefined || context === undefined) throw failed(target, 'it offers no batch-settlement channel this payer can use')
  const release = await deps.locks.acquire(context.channelId)
  try {
    let channel = await deps.load(context, offer.resource.url)
    for (let attempt = 1; ; attempt += 1) {
      const voucher = await signVoucher(deps.options.voucherSigner, context.channelId, BigInt(channel.charged), context.terms.chainId)
      const proof = encodeBatchProof(offer, { type: 'refund', channelConfig: context.config, voucher, ...(amount === undefined ? {} : { amount }) })
      const response = await fetchImpl(target, { method, headers: { [PAYMENT_SIGNATURE]: proof } })
      if (response.status === 402) {
        const answer = await readPaymentDemand(response).catch(() => undefined)
        const corrected = attempt === 1 && answer ? await correctedChannel({ ...context, channel }, answer) : undefined
        if (corrected === undefined) throw failed(target, `the seller refused it (${answer?.error ?? 'no reason given'})`)
        channel = corrected
        await deps.options.store.set(channel)
        continue
      }
      await response.body?.cancel().catch(() => undefined)
      const receipt = readReceiptHeader(response.headers)
      if (!response.ok || receipt?.success !== true) {
        throw failed(target, `the seller answered ${response.status} ${receipt ? `with a failed receipt (${receipt.errorReason ?? 'no reason'})` : 'without a receipt'}`)
      }
      const refunded = /^\d+$/.test(receipt.amount ?? '') ? BigInt(receipt.amount!) : 0n
      const left = BigInt(channel.balance) - refunded
      const balance = left > 0n ? left : 0n
      // Drained down to what was charged: nothing is left to spend, the record goes (the chain keeps the totals).
      if (balance <= BigInt(channel.charged)) await deps.options.store.delete(context.channelId)
      else await deps.options.store.set({ ...channel, balance: balance.toString(), updatedAt: Date.now() })
      return { channelId: context.channelId, refunded, transaction: receipt.transaction, balance }
    }
  } finally {
    release()
  }
}

function failed(url: string, why: string): TollgateError {
  return new TollgateError('refund_failed', `The refund of the batch-settlement channel at ${url} failed: ${why}.`, { url })
}
