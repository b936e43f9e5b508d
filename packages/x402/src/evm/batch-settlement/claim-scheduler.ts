// The seller's claims and settles of batch-settlement channels: when to claim (periodic, threshold, on withdrawal),
// one `claim` payload for many channels (in batches), a `settle` sweep after it, and `close()` claiming and settling
// what is held. It reads channels through a ClaimSource and sends through any Facilitator (localFacilitator, or a
// standard one over HTTP); with `client`, it also reads each unclaimed channel's pending withdrawal on chain.
import type { Address, Client, Hex, PublicClient } from 'viem'
import type { Facilitator, SettleRequest, SettleResult } from '../../facilitator/types.js'
import type { ClaimableChannel, ClaimSource } from './claim-source.js'
import { readChannel } from './channel-state.js'
import { BATCH_SETTLEMENT_SCHEME } from './constants.js'
import type { ClaimPayloadWire, SettlePayloadWire } from './wire.js'

export interface ClaimStrategy {
  /** Claim everything unclaimed this often, in ms (default 600 000: 10 minutes; 0: never on a timer). */
  periodicMs?: number
  /** Claim as soon as the unclaimed total of all channels reaches this many token units (default: no threshold). */
  threshold?: bigint
  /** Claim as soon as a channel with something unclaimed has a timed withdrawal pending (default true). */
  onWithdrawal?: boolean
}

export type ClaimSchedulerEvent =
  | { type: 'batch.claimed'; transaction: string; network: string; channels: Array<{ channelId: Hex; amount: string; totalClaimed: string }> }
  | { type: 'batch.settled'; transaction: string; network: string; receiver: Address; token: Address; amount: string }
  | { type: 'batch.failed'; step: 'claim' | 'settle'; network: string; reason: string; message: string; channels?: Hex[] }

export interface ClaimSchedulerOptions {
  facilitator: Facilitator
  source: ClaimSource
  /** The chain (`eip155:<id>`), the receiver (`payTo`) and the token the channels pay in. */
  network: string
  receiver: Address
  token: Address
  strategy?: ClaimStrategy
  /** How often the strategies are looked at, in ms (default 30 000). */
  checkIntervalMs?: number
  /** Rows per `claim` payload (default 100). */
  maxClaimsPerBatch?: number
  /** Reads pending withdrawals on chain (else the source's mirrored `withdrawRequestedAt` is trusted). */
  client?: Client
  /** The seller's ClaimBatch signature, when it holds the receiver authorizer key (else the facilitator signs). */
  signClaims?: (payload: ClaimPayloadWire) => Promise<Hex>
  onEvent?: (event: ClaimSchedulerEvent) => void
  /** Milliseconds clock (tests). */
  now?: () => number
}

export interface ClaimScheduler {
  /** Looks at the strategies once and claims (and settles) if one says so. */
  check(): Promise<void>
  /** Claims everything unclaimed now, then settles; what was claimed, by channel. */
  claimAndSettle(): Promise<{ claimed: number; settled?: string }>
  /** Stops the timer, then claims and settles what is held before it resolves. */
  close(): Promise<void>
}

const unclaimed = (channel: ClaimableChannel) => channel.chargedCumulativeAmount - channel.totalClaimed

export function claimScheduler(options: ClaimSchedulerOptions): ClaimScheduler {
  const { facilitator, source, network, receiver, token } = options
  const periodicMs = options.strategy?.periodicMs ?? 600_000
  const onWithdrawal = options.strategy?.onWithdrawal ?? true
  const batchSize = options.maxClaimsPerBatch ?? 100
  const now = options.now ?? Date.now
  const emit = (event: ClaimSchedulerEvent) => {
    try {
      options.onEvent?.(event)
    } catch {
      // A listener's failure is not the scheduler's.
    }
  }
  const offer = { scheme: BATCH_SETTLEMENT_SCHEME, network, asset: token, payTo: receiver, amount: '0', maxTimeoutSeconds: 300, extra: {} }
  let lastClaimAt = now()
  let running: Promise<unknown> = Promise.resolve()
  let closed = false

  function send(payload: ClaimPayloadWire | SettlePayloadWire): Promise<SettleResult> {
    const request: SettleRequest = {
      x402Version: 2,
      token: '',
      proof: { x402Version: 2, header: '', raw: '', payload: { x402Version: 2, accepted: offer, payload: payload as unknown as Record<string, unknown> } },
      requirements: offer,
      paymentRequired: { x402Version: 2, resource: { url: 'batch-settlement:claims' }, accepts: [offer] },
      amount: '0',
      verification: { isValid: true },
    }
    return facilitator.settle(request, new AbortController().signal)
  }

  async function claimBatch(channels: readonly ClaimableChannel[]): Promise<number> {
    const payload: ClaimPayloadWire = {
      type: 'claim',
      claims: channels.map((channel) => ({
        voucher: { channel: { ...channel.config }, maxClaimableAmount: channel.voucher.maxClaimableAmount.toString() },
        signature: channel.voucher.signature,
        totalClaimed: channel.chargedCumulativeAmount.toString(),
      })),
    }
    if (options.signClaims) payload.claimAuthorizerSignature = await options.signClaims(payload)
    const result = await send(payload)
    if (!result.success) {
      emit({ type: 'batch.failed', step: 'claim', network, reason: result.errorReason ?? 'unknown', message: String(result.errorMessage ?? ''), channels: channels.map((c) => c.channelId) })
      return 0
    }
    await source.claimed(channels.map((channel) => ({ channelId: channel.channelId, totalClaimed: channel.chargedCumulativeAmount })))
    emit({
      type: 'batch.claimed',
      transaction: result.transaction,
      network,
      channels: channels.map((c) => ({ channelId: c.channelId, amount: unclaimed(c).toString(), totalClaimed: c.chargedCumulativeAmount.toString() })),
    })
    return channels.length
  }

  async function claimAndSettleNow(): Promise<{ claimed: number; settled?: string }> {
    const due = (await source.channels()).filter((channel) => unclaimed(channel) > 0n)
    let claimed = 0
    for (let start = 0; start < due.length; start += batchSize) claimed += await claimBatch(due.slice(start, start + batchSize))
    lastClaimAt = now()
    if (claimed === 0) return { claimed }
    const swept = await send({ type: 'settle', receiver, token })
    if (!swept.success) {
      emit({ type: 'batch.failed', step: 'settle', network, reason: swept.errorReason ?? 'unknown', message: String(swept.errorMessage ?? '') })
      return { claimed }
    }
    emit({ type: 'batch.settled', transaction: swept.transaction, network, receiver, token, amount: swept.amount ?? '' })
    return { claimed, settled: swept.transaction }
  }

  /** Whether a channel with something unclaimed is being withdrawn (on chain when a client is given). */
  async function withdrawalPending(channels: readonly ClaimableChannel[]): Promise<boolean> {
    if (!onWithdrawal) return false
    if (channels.some((channel) => channel.withdrawRequestedAt > 0)) return true
    if (!options.client) return false
    const states = await Promise.all(channels.map((channel) => readChannel(options.client as PublicClient, channel.channelId)))
    return states.some((state) => state.withdrawRequestedAt > 0)
  }

  async function shouldClaim(): Promise<boolean> {
    const open = (await source.channels()).filter((channel) => unclaimed(channel) > 0n)
    if (open.length === 0) return false
    if (periodicMs > 0 && now() - lastClaimAt >= periodicMs) return true
    const threshold = options.strategy?.threshold
    if (threshold !== undefined && open.reduce((sum, channel) => sum + unclaimed(channel), 0n) >= threshold) return true
    return withdrawalPending(open)
  }

  /** One piece of work at a time: a tick never overlaps a claim in flight. */
  function inTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = running.then(work, work)
    running = turn.catch(() => undefined)
    return turn
  }

  const check = () => inTurn(async () => void ((await shouldClaim()) && (await claimAndSettleNow())))
  const timer = setInterval(() => void check().catch(() => undefined), options.checkIntervalMs ?? 30_000)
  timer.unref?.()

  return {
    check,
    claimAndSettle: () => inTurn(claimAndSettleNow),
    async close() {
      if (closed) return running.then(() => undefined)
      closed = true
      clearInterval(timer)
      await inTurn(claimAndSettleNow)
    },
  }
}
