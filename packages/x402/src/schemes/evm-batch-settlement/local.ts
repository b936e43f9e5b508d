// The seller's check of one batch-settlement request, as the spec orders it: the channel's terms against the
// offer, the channel reserved (one request at a time: `channel_busy`), the voucher's cumulative amount against the
// seller's count (else the corrective 402), then the voucher verified here with one signature recovery when the
// channel has an EOA voucher signer and fresh chain state, else by the facilitator. Deposits are verified by the
// facilitator now and settled only once the handler succeeded; refunds are completed here (refund.ts). The count
// is never below what the chain has claimed: a record behind a claim catches up with it (channel-record.ts).
import { getAddress, type Address, type Hex } from 'viem'
import { withDeadline } from '../../engine/deadline.js'
import { assertVerifyResult } from '../../engine/verifier.js'
import { channelIdOf } from '../../evm/batch-settlement/typed-data.js'
import { localVoucherSigner, verifyVoucherSignature } from '../../evm/batch-settlement/voucher-verify.js'
import type { BatchPayloadWire, ChannelConfigWire, DepositPayloadWire, VoucherPayloadWire } from '../../evm/batch-settlement/wire.js'
import { chainIdOfNetwork } from '../../evm/networks.js'
import type { PaymentRequirements, SettleResponse } from '../../codec/types.js'
import type { VerifyResult } from '../../facilitator/types.js'
import type { LocalAccepted, LocalInput, LocalRefused } from '../contract.js'
import { chargeReceipt, corrective, refusal, snapshotOf, specReason, type Snapshot } from './answers.js'
import { indexCharged } from './channel-index.js'
import { caughtUp, commitChannel, releaseChannel, reserveChannel, type ChannelRecord, type Reservation } from './channel-record.js'
import { readBatchPayload } from './payload.js'
import { completeRefund, type ReceiverSigner } from './refund.js'

export interface LocalSettings {
  /** Signs claims and refunds when the seller holds the receiver authorizer's key; else the facilitator signs. */
  signer: ReceiverSigner | undefined
  /** How long the chain state mirrored in a record allows local verification, in ms. */
  freshMs: number
  /** Whether charged channels are indexed for this paywall's claims (off with `claims: false`). */
  indexed: boolean
}

// A channel held longer than verify + settle + this (a handler that hangs) is free again; its late commit fails.
const HOLD_MARGIN_MS = 60_000
// Channel ids of configs already hashed: hashing a config costs more than the voucher's recovery.
const knownConfigs = new Map<string, string>()

export type Begin = (input: LocalInput) => Promise<LocalAccepted | LocalRefused>

export function createBegin(settings: LocalSettings): Begin {
  return async function begin(input) {
    const { request, store } = input
    const read = readBatchPayload(request.proof)
    if (!read.ok) return refusal(read.reason)
    const payload = read.payload
    const requirements = request.requirements
    const mismatch = termsMismatch(payload.channelConfig, payload.voucher.channelId, requirements)
    if (mismatch !== undefined) return refusal(specReason(mismatch))
    const channelId = payload.voucher.channelId
    const reservation = await reserveChannel(store, channelId, input.verifyTimeoutMs + input.settleTimeoutMs + HOLD_MARGIN_MS)
    if (!reservation) return refusal(specReason('channel_busy'), 'Another request on this channel is being served; retry shortly.')
    const release = () => void releaseChannel(store, channelId, reservation.holder).catch(() => {})
    try {
      const outcome = await decide(input, payload, reservation, settings)
      if (!outcome.ok) release()
      return outcome
    } catch (error) {
      release()
      throw error
    }
  }
}

async function decide(input: LocalInput, payload: BatchPayloadWire, reservation: Reservation, settings: LocalSettings): Promise<LocalAccepted | LocalRefused> {
  const { request } = input
  const requirements = request.requirements
  const voucher = payload.voucher
  const signed = BigInt(voucher.maxClaimableAmount)
  const price = BigInt(request.amount)
  const step = payload.type === 'refund' ? 0n : price
  const now = Date.now()
  const stored = reservation.record
  // A record behind what its own mirror of the chain says was claimed counts from the claim (channel-record.ts).
  let record = stored && caughtUp(stored)
  let verification: VerifyResult | undefined
  if (stored !== undefined && record !== undefined && signed !== expected(record, step)) {
    // The seller's count decides first: a voucher behind it, or beyond what the channel holds, costs no facilitator call.
    const holds = BigInt(record.balance) + (payload.type === 'deposit' ? BigInt(payload.deposit.amount) : 0n)
    if (signed < expected(record, step) || signed > holds) return mismatch(input, reservation, stored, record, signed, step, false)
    // Ahead of it: the chain may have claimed more than this record knows (a claim by another instance or tool),
    // and a buyer recovering from the chain signs from that claim. The facilitator reads the chain.
    verification = await verifyWith(input)
    const caught = caughtUp(record, snapshotOf(verification.extra), now)
    const learned = caught.chargedCumulativeAmount !== record.chargedCumulativeAmount
    record = caught
    if (signed !== expected(record, step)) return mismatch(input, reservation, stored, record, signed, step, learned)
    if (!verification.isValid) return refusal(verification.invalidReason ?? specReason('voucher_payload'), verification.invalidMessage)
  }
  const known = record // as this request counts it from here
  const signer = localVoucherSigner(payload.channelConfig)
  const local = verification === undefined && payload.type === 'voucher' && known !== undefined && signer !== undefined && known.withdrawRequestedAt === 0 && now - known.onchainSyncedAt <= settings.freshMs
  let snapshot: Snapshot
  if (local) {
    if (!(await verifyVoucherSignature({ channelId: voucher.channelId, maxClaimableAmount: signed, signature: voucher.signature, signer, chainId: chainOf(requirements) }))) {
      return refusal(specReason('voucher_signature'))
    }
    if (signed > BigInt(known.balance)) return refusal(specReason('cumulative_exceeds_balance'))
    if (signed < BigInt(known.totalClaimed) + price) return refusal(specReason('cumulative_below_claimed'))
    snapshot = known
  } else {
    verification ??= await verifyWith(input)
    if (!verification.isValid) {
      // A refusal that reports the chain (the spec asks it of every verify answer) may show this record behind a
      // claim: the record learns it, and the buyer is answered with a count it can sign from.
      const caught = stored && record && caughtUp(record, snapshotOf(verification.extra), now)
      if (stored && record && caught && caught.chargedCumulativeAmount !== record.chargedCumulativeAmount) return mismatch(input, reservation, stored, caught, signed, step, true)
      return refusal(verification.invalidReason ?? specReason('voucher_payload'), verification.invalidMessage)
    }
    const read = snapshotOf(verification.extra)
    // Without the chain's totalClaimed the seller has no baseline for a channel it does not know (spec).
    if (read === undefined) return refusal(specReason('channel_state_read_failed'), 'The facilitator did not report the channel state.')
    snapshot = read
    const base = record?.chargedCumulativeAmount ?? read.totalClaimed
    const fresh = recordOf(payload, base, read, record, now)
    if (record === undefined && signed !== BigInt(base) + step) return corrective(request.paymentRequired, requirements, fresh)
  }
  if (payload.type === 'refund') {
    if (record === undefined) return refusal(specReason('missing_channel'), 'This seller holds no state for the channel to refund.')
    return completeRefund(input, payload, { ...record, ...snapshot, onchainSyncedAt: now }, reservation.holder, settings.signer)
  }
  const held = recordOf(payload, record?.chargedCumulativeAmount ?? snapshot.totalClaimed, snapshot, record, local ? known!.onchainSyncedAt : now)
  return accepted(input, payload, held, reservation.holder, settings.indexed)
}

/** The cumulative amount the next voucher must sign: the seller's count plus the price (a refund's: the count). */
const expected = (record: ChannelRecord, step: bigint) => BigInt(record.chargedCumulativeAmount) + step

async function verifyWith(input: LocalInput): Promise<VerifyResult & { extra?: unknown }> {
  const verification = await withDeadline('verify', input.verifyTimeoutMs, (signal) => input.facilitator.verify(input.request, signal))
  assertVerifyResult(verification) // garbage from the facilitator is its fault (502), not the payer's
  return verification
}

/**
 * The corrective 402 from `record` (`stored` caught up with the chain). A count raised by what a facilitator just
 * reported is written first (freeing the channel), so that the buyer's corrected voucher finds it; one raised from
 * the record's own mirror needs no write. Below the claim the reason says so (`cumulative_below_claimed`).
 */
async function mismatch(input: LocalInput, reservation: Reservation, stored: ChannelRecord, record: ChannelRecord, signed: bigint, step: bigint, learned: boolean): Promise<LocalRefused> {
  if (learned) await commitChannel(input.store, record.channelId, reservation.holder, record, input.givenStore)
  const belowClaimed = BigInt(stored.chargedCumulativeAmount) < BigInt(record.chargedCumulativeAmount) && signed < expected(record, step)
  return corrective(input.request.paymentRequired, input.request.requirements, record, belowClaimed)
}

/** The charge to commit once the handler succeeded: a deposit is settled on chain first, a voucher is not. */
function accepted(input: LocalInput, payload: DepositPayloadWire | VoucherPayloadWire, held: ChannelRecord, holder: string, indexed: boolean): LocalAccepted {
  const { store, request } = input
  const network = request.requirements.network
  // Set once the commit freed the channel: the session's release after it is then nothing to do.
  let committed = false
  return {
    ok: true,
    payer: held.channelConfig.payer,
    async commit(charged, signal) {
      let onchain: SettleResponse | undefined
      let next = held
      if (payload.type === 'deposit') {
        onchain = await input.facilitator.settle({ ...request, verification: { isValid: true, payer: held.channelConfig.payer } }, signal)
        if (!onchain.success) return onchain
        const after = snapshotOf((onchain.extra as { channelState?: unknown } | undefined)?.channelState)
        if (after) next = { ...held, ...after, onchainSyncedAt: Date.now() }
      }
      next = {
        ...next,
        chargedCumulativeAmount: (BigInt(held.chargedCumulativeAmount) + BigInt(charged)).toString(),
        signedMaxClaimable: payload.voucher.maxClaimableAmount,
        signature: payload.voucher.signature,
        lastRequestTimestamp: Date.now(),
      }
      // A channel that owed nothing owes now: listed for claims first, so that a crash after it loses nothing.
      if (indexed && BigInt(charged) > 0n && BigInt(held.chargedCumulativeAmount) <= BigInt(held.totalClaimed)) await indexCharged(input, held.channelId)
      if (!(await commitChannel(store, held.channelId, holder, next, input.givenStore))) {
        return { success: false, errorReason: specReason('channel_busy'), transaction: onchain?.transaction ?? '', network }
      }
      committed = true
      return chargeReceipt(next, charged, network, onchain)
    },
    release: () => {
      if (!committed) void releaseChannel(store, held.channelId, holder).catch(() => {})
    },
  }
}

/** The channel as this request finds it: the seller's count and last voucher, the chain's side as just read. */
function recordOf(payload: BatchPayloadWire, charged: string, snapshot: Snapshot, record: ChannelRecord | undefined, syncedAt: number): ChannelRecord {
  return {
    channelId: payload.voucher.channelId,
    channelConfig: payload.channelConfig,
    chargedCumulativeAmount: charged,
    signedMaxClaimable: record?.signedMaxClaimable ?? '0',
    signature: record?.signature ?? '0x',
    balance: snapshot.balance,
    totalClaimed: snapshot.totalClaimed,
    withdrawRequestedAt: snapshot.withdrawRequestedAt,
    refundNonce: snapshot.refundNonce,
    onchainSyncedAt: syncedAt,
    lastRequestTimestamp: record?.lastRequestTimestamp ?? Date.now(),
  }
}

/** Which of the channel's terms differ from the offer (the spec's reason name), else undefined. */
function termsMismatch(config: ChannelConfigWire, channelId: Hex, requirements: PaymentRequirements): string | undefined {
  const extra = requirements.extra as { receiverAuthorizer?: string; withdrawDelay?: number } | undefined
  if (!sameAddress(config.token, requirements.asset)) return 'token_mismatch'
  if (!sameAddress(config.receiver, requirements.payTo)) return 'receiver_mismatch'
  if (!sameAddress(config.receiverAuthorizer, extra?.receiverAuthorizer)) return 'receiver_authorizer_mismatch'
  if (config.withdrawDelay !== extra?.withdrawDelay) return 'withdraw_delay_mismatch'
  const key = `${requirements.network}|${config.payer}|${config.payerAuthorizer}|${config.receiver}|${config.receiverAuthorizer}|${config.token}|${config.withdrawDelay}|${config.salt}`.toLowerCase()
  const id = channelId.toLowerCase()
  if (knownConfigs.get(id) === key) return undefined
  const config712 = { ...config, payer: getAddress(config.payer), payerAuthorizer: getAddress(config.payerAuthorizer), receiver: getAddress(config.receiver), receiverAuthorizer: getAddress(config.receiverAuthorizer), token: getAddress(config.token) }
  if (channelIdOf(config712, chainOf(requirements)).toLowerCase() !== id) return 'channel_id_mismatch'
  if (knownConfigs.size >= 10_000) knownConfigs.clear()
  knownConfigs.set(id, key)
  return undefined
}

function chainOf(requirements: PaymentRequirements): number {
  return chainIdOfNetwork(requirements.network)!
}

function sameAddress(a: string, b: unknown): boolean {
  return typeof b === 'string' && a.toLowerCase() === (b as Address).toLowerCase()
}
