// The seller's claims and settles of batch-settlement channels: when to claim (periodic, threshold, on withdrawal),
// one `claim` payload for many channels (in batches), a `settle` sweep after it, and `close()` claiming and settling
// what is held. It reads channels through a ClaimSource and sends through any Facilitator (localFacilitator, or a
// standard one over HTTP); with `client`, it also reads each unclaimed channel's pending withdrawal on chain.
import type { Address, Client, Hex, PublicClient } from 'viem'
import { TollgateError } from '../../errors.js'
import { isSettlementPending } from '../../facilitator/pending.js'
import type { Facilitator, SettleRequest, SettleResult } from '../../facilitator/types.js'
import type { ClaimFailureOutcome, ClaimSchedulerEvent } from './claim-events.js'
import { CLAIM_ROW_REASONS, claimSplitting, readRows, verdictOf, type ClaimAttempt, type Refusal } from './claim-rows.js'
import type { ClaimableChannel, ClaimSource } from './claim-source.js'
import { readChannel } from './channel-state.js'
import { BATCH_SETTLEMENT_SCHEME } from './constants.js'
import { BATCH_REASONS as REASONS } from './reasons.js'
import type { ClaimPayloadWire, SettlePayloadWire } from './wire.js'

export interface ClaimStrategy {
  /** Claim everything unclaimed this often, in ms (default 600 000: 10 minutes; 0: never on a timer). */
  periodicMs?: number
  /** Claim as soon as the unclaimed total of all channels reaches this many token units (default: no threshold). */
  threshold?: bigint
  /** Claim as soon as a channel with something unclaimed has a timed withdrawal pending (default true). */
  onWithdrawal?: boolean
}

export type { ClaimFailureOutcome, ClaimSchedulerEvent } from './claim-events.js'

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
/** A row as sent: its channel and what it claims up to (a new charge makes a new row). */
const rowKey = (channel: ClaimableChannel) => `${channel.channelId.toLowerCase()}@${channel.chargedCumulativeAmount}`
/** The facilitator's answers that mean the contract refuses a row of the claim (in its dry run, or on chain). */
const REFUSALS: ReadonlySet<string> = new Set([REASONS.claimSimulationFailed, REASONS.claimTransactionFailed])

/** A claim that went out without a receipt yet: asked about again as it was, before any new claim of its channels. */
interface Outstanding {
  rows: readonly ClaimableChannel[]
  payload: ClaimPayloadWire
  transaction: string
}

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
  const base = { network, receiver, token }
  const outstanding: Outstanding[] = []
  /** Rows the contract refused alone: not sent again by this process (a new charge is a new row). */
  const held = new Set<string>()
  let sweepDue = false
  let lastClaimAt = now()
  let running: Promise<unknown> = Promise.resolve()
  let closed = false

  function send(payload: ClaimPayloadWire | SettlePayloadWire, pendingTransaction?: string): Promise<SettleResult> {
    const request: SettleRequest = {
      x402Version: 2,
      token: '',
      proof: { x402Version: 2, header: '', raw: '', payload: { x402Version: 2, accepted: offer, payload: payload as unknown as Record<string, unknown> } },
      requirements: offer,
      paymentRequired: { x402Version: 2, resource: { url: 'batch-settlement:claims' }, accepts: [offer] },
      amount: '0',
      verification: { isValid: true },
      ...(pendingTransaction ? { pendingTransaction } : {}),
    }
    return facilitator.settle(request, new AbortController().signal)
  }

  async function payloadOf(channels: readonly ClaimableChannel[]): Promise<ClaimPayloadWire> {
    const payload: ClaimPayloadWire = {
      type: 'claim',
      claims: channels.map((channel) => ({
        voucher: { channel: { ...channel.config }, maxClaimableAmount: channel.voucher.maxClaimableAmount.toString() },
        signature: channel.voucher.signature,
        totalClaimed: channel.chargedCumulativeAmount.toString(),
      })),
    }
    if (options.signClaims) payload.claimAuthorizerSignature = await options.signClaims(payload)
    return payload
  }

  /** One claim payload sent (or asked about again); a throw is a failure to retry, never the rows' fault. */
  async function attempt(build: () => Promise<ClaimPayloadWire>, pendingTransaction?: string): Promise<{ payload?: ClaimPayloadWire; answer: ClaimAttempt }> {
    let payload: ClaimPayloadWire | undefined
    try {
      payload = await build()
      const result = await send(payload, pendingTransaction)
      if (result.success) return { payload, answer: { kind: 'claimed', transaction: result.transaction } }
      const [reason, message] = [result.errorReason ?? 'unknown', String(result.errorMessage ?? '')]
      if (isSettlementPending(result)) return { payload, answer: { kind: 'pending', transaction: result.transaction, reason, message } }
      return { payload, answer: { kind: REFUSALS.has(reason) ? 'refused' : 'failed', reason, message } }
    } catch (error) {
      const { errorReason, errorMessage } = settleError(error)
      return { ...(payload ? { payload } : {}), answer: { kind: 'failed', reason: errorReason!, message: String(errorMessage) } }
    }
  }

  const settleError = (error: unknown): SettleResult => ({
    success: false,
    network,
    transaction: '',
    errorReason: error instanceof TollgateError ? error.code : 'facilitator_error',
    errorMessage: error instanceof Error ? error.message : String(error),
  })

  function failed(step: 'claim' | 'settle', why: { reason: string; message: string; transaction?: string }, outcome: ClaimFailureOutcome, channels?: readonly ClaimableChannel[]) {
    const { reason, message, transaction } = why
    emit({ type: 'batch.failed', step, ...base, reason, message, outcome, ...(channels ? { channels: channels.map((c) => c.channelId) } : {}), ...(transaction ? { transaction } : {}) })
  }

  /** Rows a claim took: written back and told. */
  async function tookRows(rows: readonly ClaimableChannel[], transaction: string): Promise<number> {
    await source.claimed(rows.map((channel) => ({ channelId: channel.channelId, totalClaimed: channel.chargedCumulativeAmount })))
    const channels = rows.map((c) => ({ channelId: c.channelId, amount: unclaimed(c).toString(), totalClaimed: c.chargedCumulativeAmount.toString() }))
    emit({ type: 'batch.claimed', transaction, ...base, channels })
    return rows.length
  }

  /** Claims outstanding earlier are asked about first (the facilitator answers about their transaction). */
  async function askOutstanding(): Promise<number> {
    let claimed = 0
    for (const out of [...outstanding]) {
      const { answer } = await attempt(async () => out.payload, out.transaction)
      if (answer.kind === 'pending') continue
      outstanding.splice(outstanding.indexOf(out), 1)
      // Anything but claimed: its rows are due again in this claim, as fresh rows (split if the contract refuses).
      if (answer.kind === 'claimed') claimed += await tookRows(out.rows, answer.transaction)
      else failed('claim', answer, 'retry', out.rows)
    }
    return claimed
  }

  /** One batch; when the contract refuses it, the rows the chain explains leave it and the rest is split. */
  async function claimRows(rows: readonly ClaimableChannel[]): Promise<number> {
    let claimed = 0
    const cut = new Map<Hex, bigint>()
    const sendGroup = async (group: readonly ClaimableChannel[]): Promise<ClaimAttempt> => {
      const { payload, answer } = await attempt(() => payloadOf(group))
      if (answer.kind === 'claimed') {
        claimed += await tookRows(group, answer.transaction)
        await dropCut(group, cut)
      } else if (answer.kind === 'pending') {
        outstanding.push({ rows: group, payload: payload!, transaction: answer.transaction })
        failed('claim', answer, 'pending', group)
      } else if (answer.kind === 'failed') failed('claim', answer, 'retry', group)
      return answer
    }
    const first = await sendGroup(rows)
    if (first.kind !== 'refused') return claimed
    const rest = options.client ? await sortByChain(rows, cut) : rows
    const alone = async (row: ClaimableChannel, refusal: Refusal) => {
      held.add(rowKey(row))
      failed('claim', refusal, 'held', [row])
    }
    await claimSplitting(rest, sendGroup, alone, rest === rows ? first : undefined)
    return claimed
  }

  /**
   * The rows of a refused batch as the chain shows them: claimed past or empty ones leave it (and the list), a short
   * one is cut to what its escrow holds (`cut` keeps what it was charged).
   */
  async function sortByChain(rows: readonly ClaimableChannel[], cut: Map<Hex, bigint>): Promise<readonly ClaimableChannel[]> {
    const chain = await readRows(options.client!, rows)
    if (!chain) return rows
    const rest: ClaimableChannel[] = []
    for (const [i, row] of rows.entries()) {
      const verdict = verdictOf(row, chain[i]!)
      if (verdict.kind === 'claimable') rest.push(row)
      else if (verdict.kind === 'short') {
        cut.set(row.channelId, row.chargedCumulativeAmount)
        rest.push({ ...row, chargedCumulativeAmount: verdict.balance })
      } else if (verdict.kind === 'claimedPast') {
        await source.claimed([{ channelId: row.channelId, totalClaimed: verdict.totalClaimed }])
        failed('claim', { reason: CLAIM_ROW_REASONS.claimedPast, message: `Channel ${row.channelId} has ${verdict.totalClaimed} claimed on chain, at least the ${row.chargedCumulativeAmount} charged.` }, 'dropped', [row])
      } else {
        await source.dropped?.([row])
        const message = `Channel ${row.channelId} holds ${verdict.balance} with ${verdict.totalClaimed} claimed: the ${row.chargedCumulativeAmount - verdict.totalClaimed} more charged can never be claimed.`
        failed('claim', { reason: CLAIM_ROW_REASONS.empty, message }, 'dropped', [row])
      }
    }
    return rest.length === rows.length && cut.size === 0 ? rows : rest
  }

  /** Cut rows just claimed: what their escrow held is in, the rest of what they were charged never can be. */
  async function dropCut(group: readonly ClaimableChannel[], cut: Map<Hex, bigint>) {
    for (const row of group.filter((r) => cut.has(r.channelId))) {
      const charged = cut.get(row.channelId)!
      await source.dropped?.([{ channelId: row.channelId, chargedCumulativeAmount: charged }])
      const message = `Channel ${row.channelId} held ${row.chargedCumulativeAmount} of the ${charged} charged: that much was claimed, the ${charged - row.chargedCumulativeAmount} more never can be.`
      failed('claim', { reason: CLAIM_ROW_REASONS.short, message }, 'dropped', [row])
    }
  }

  /** `fresh`: claim what the channels owe now (else only ask about claims out and sweep what is claimed). */
  async function claimAndSettleNow(fresh = true): Promise<{ claimed: number; settled?: string }> {
    let claimed = await askOutstanding()
    if (fresh) {
      const busy = new Set(outstanding.flatMap((out) => out.rows.map((row) => row.channelId.toLowerCase())))
      const due = (await source.channels()).filter((c) => unclaimed(c) > 0n && !busy.has(c.channelId.toLowerCase()) && !held.has(rowKey(c)))
      for (let start = 0; start < due.length; start += batchSize) claimed += await claimRows(due.slice(start, start + batchSize))
      lastClaimAt = now()
    }
    if (claimed === 0 && !sweepDue) return { claimed }
    const swept = await send({ type: 'settle', receiver, token }).catch((error: unknown) => settleError(error))
    // A sweep that failed or is out is sent (or asked about) again at the next check, even with nothing new claimed.
    sweepDue = !swept.success && swept.errorReason !== REASONS.nothingToSettle
    if (!swept.success) {
      const reason = swept.errorReason ?? 'unknown'
      failed('settle', { reason, message: String(swept.errorMessage ?? ''), ...(isSettlementPending(swept) ? { transaction: swept.transaction } : {}) }, isSettlementPending(swept) ? 'pending' : 'retry')
      return { claimed }
    }
    emit({ type: 'batch.settled', transaction: swept.transaction, ...base, amount: swept.amount ?? '' })
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
    const open = (await source.channels()).filter((channel) => unclaimed(channel) > 0n && !held.has(rowKey(channel)))
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

  // A claim or sweep out without a receipt (or a sweep that failed) is asked about at every check.
  const check = () =>
    inTurn(async () => {
      const fresh = await shouldClaim()
      if (fresh || outstanding.length > 0 || sweepDue) await claimAndSettleNow(fresh)
    })
  const timer = setInterval(() => void check().catch(() => undefined), options.checkIntervalMs ?? 30_000)
  timer.unref?.()

  return {
    check,
    claimAndSettle: () => inTurn(() => claimAndSettleNow()),
    async close() {
      if (closed) return running.then(() => undefined)
      closed = true
      clearInterval(timer)
      await inTurn(() => claimAndSettleNow())
    },
  }
}
