// Permit2 payments (exact over Permit2, upto) with a transaction out, as the reconcile (settlement-reconcile.ts)
// and the watch (settlement-watch.ts) see them, the way EIP-3009 transfers are seen. Permit2's replay guard is
// its nonce bitmap: the watch reads bit `nonce & 255` of word `nonce >> 8`. A mined settle of ours is read from
// its receipt, the amount (upto: what was charged) from the token's Transfer log, payer to payTo.
import { isAddressEqual, parseAbi, parseEventLogs, type Address, type TransactionReceipt } from 'viem'
import type { PaymentRequirements } from '../codec/types.js'
import { PERMIT2_REASONS, parsePermit2Payload, permit2KindOf, proxyFor, type Permit2Payload } from './permit2.js'
import { readPermit2Terms, type Permit2Terms } from './permit2-verify.js'
import type { PendingPayment } from './settlement-reconcile.js'
import { isAnsweredPending, type SettlementTracker, type TrackedSettlement } from './settlement-tracker.js'
import { watchSettlement, type WatchContext, type WatchedPayment } from './settlement-watch.js'

const TRANSFER_EVENT = parseAbi(['event Transfer(address indexed from, address indexed to, uint256 value)'])

export interface Permit2Authorized {
  key: string
  payload: Permit2Payload
  terms: Permit2Terms
}

/** The tracker's key of a Permit2 nonce (also the one `inFlight` holds while it is settled). */
export function permit2Key(chainId: number, payer: string, nonce: string): string {
  return `${chainId}:permit2:${payer}:${BigInt(nonce)}`.toLowerCase()
}

/** The Permit2 authorization a settle carries, read without the chain; undefined when it does not read as one. */
export function permit2AuthorizationOf(requirements: PaymentRequirements, rawPayload: unknown): Permit2Authorized | undefined {
  try {
    const kind = permit2KindOf(requirements)
    const terms = readPermit2Terms(requirements)
    const parsed = kind && terms ? parsePermit2Payload(rawPayload, kind) : undefined
    if (!terms || !parsed?.ok) return undefined
    const { from, nonce } = parsed.payload.permit2Authorization
    return { key: permit2Key(terms.chainId, from, nonce), payload: parsed.payload, terms }
  } catch {
    return undefined
  }
}

/** What `receipt` moved of `token` from `from` to `to` (atomic units); undefined when it moved none of it. */
export function transferredAmount(receipt: TransactionReceipt, token: Address, from: Address, to: Address): string | undefined {
  let total: bigint | undefined
  for (const log of parseEventLogs({ abi: TRANSFER_EVENT, logs: receipt.logs, eventName: 'Transfer', strict: true })) {
    if (!isAddressEqual(log.address, token) || !isAddressEqual(log.args.from, from) || !isAddressEqual(log.args.to, to)) continue
    total = (total ?? 0n) + log.args.value
  }
  return total?.toString()
}

export interface Permit2Pending {
  tracker: SettlementTracker
  /** Watches `key`'s transactions; the permit stays in `inFlight` until the watch ends, its outcome kept. */
  watch(auth: Permit2Authorized, tracked: TrackedSettlement, amount: bigint): void
  /** The permit as the reconcile sees it; `amount`: what a settle sent anew would move. */
  pendingPayment(auth: Permit2Authorized, amount: bigint): PendingPayment
  /** Its settle was answered settlement_pending and is not over: the buyer's retry verifies as valid. */
  answeredPending(key: string): boolean
}

export function permit2Pending(
  ctx: WatchContext & { inFlight: Set<string> },
  tracker: SettlementTracker,
  paymentOf: (payload: Permit2Payload, terms: Permit2Terms, amount: bigint) => WatchedPayment,
): Permit2Pending {
  function watch({ key, payload, terms }: Permit2Authorized, tracked: TrackedSettlement, amount: bigint): void {
    ctx.inFlight.add(key)
    watchSettlement(ctx, { tracked, payment: paymentOf(payload, terms, amount), done: (outcome) => (ctx.inFlight.delete(key), tracker.end(key, outcome)) })
  }
  return {
    tracker,
    watch,
    pendingPayment(auth, amount) {
      const { from, witness } = auth.payload.permit2Authorization
      return {
        key: auth.key,
        network: auth.terms.network,
        payer: from,
        target: proxyFor(auth.terms.kind),
        expiredReason: PERMIT2_REASONS.deadlineExpired,
        settledAmount: (receipt) => transferredAmount(receipt, auth.terms.asset, from, witness.to),
        watch: (tracked) => watch(auth, tracked, amount),
      }
    },
    answeredPending: (key) => isAnsweredPending(tracker.get(key)),
  }
}
