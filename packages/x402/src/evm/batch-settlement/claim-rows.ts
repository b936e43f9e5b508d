// How a claim batch that the contract refuses is taken apart, so that one channel that cannot be claimed does not
// block the rest: what the chain says of each row (read when the scheduler has a client), then halving the group
// that is still refused until each refused row stands alone. The scheduler does the sending and the bookkeeping.
import type { Client, Hex, PublicClient } from 'viem'
import { BATCH_SETTLEMENT_ABI } from './abi.js'
import type { ClaimableChannel } from './claim-source.js'
import { BATCH_SETTLEMENT_ADDRESS } from './constants.js'

/** One claim payload's fate at the facilitator. `refused`: the contract refuses a row (dry run or revert). */
export type ClaimAttempt =
  | { kind: 'claimed'; transaction: string }
  | { kind: 'pending'; transaction: string; reason: string; message: string }
  | { kind: 'refused'; reason: string; message: string }
  | { kind: 'failed'; reason: string; message: string }

export type Refusal = Extract<ClaimAttempt, { kind: 'refused' }>

/** The scheduler's reasons for rows the chain explains (beside the facilitator's, for rows refused alone). */
export const CLAIM_ROW_REASONS = {
  /** The chain's totalClaimed already reaches what the seller charged: nothing is left to claim. */
  claimedPast: 'channel_claimed_past',
  /** The escrow holds nothing above what was claimed (withdrawn, refunded or finalized under the voucher). */
  empty: 'channel_empty',
  /** The escrow holds less than the seller charged: what it holds is claimed, the rest never can be. */
  short: 'channel_short',
} as const

/** A row as the chain shows it: go on as it is, go on claiming only what the escrow holds, or leave the batch. */
export type RowVerdict =
  | { kind: 'claimable' }
  | { kind: 'claimedPast'; totalClaimed: bigint }
  | { kind: 'empty'; balance: bigint; totalClaimed: bigint }
  | { kind: 'short'; balance: bigint }

export function verdictOf(row: ClaimableChannel, chain: { balance: bigint; totalClaimed: bigint }): RowVerdict {
  if (chain.totalClaimed >= row.chargedCumulativeAmount) return { kind: 'claimedPast', totalClaimed: chain.totalClaimed }
  if (chain.balance <= chain.totalClaimed) return { kind: 'empty', ...chain }
  if (chain.balance < row.chargedCumulativeAmount) return { kind: 'short', balance: chain.balance }
  return { kind: 'claimable' }
}

/** Each row's channel (balance, totalClaimed) read on chain; undefined when a read fails (then rows are only split). */
export async function readRows(client: Client, rows: readonly ClaimableChannel[]): Promise<Array<{ balance: bigint; totalClaimed: bigint }> | undefined> {
  const reader = client as PublicClient
  try {
    return await Promise.all(
      rows.map(async (row) => {
        const [balance, totalClaimed] = await reader.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: BATCH_SETTLEMENT_ABI, functionName: 'channels', args: [row.channelId as Hex] })
        return { balance, totalClaimed }
      }),
    )
  } catch {
    return undefined
  }
}

/**
 * Sends `rows`, and when the contract refuses the group, each half again, until every refused row stands alone (then
 * `alone` is told). `send` handles every other outcome itself. For k refused rows among n this is at most
 * 2k·ceil(log2 n) + 1 sends; `refusal` is the answer already had for `rows`, to skip its first send.
 */
export async function claimSplitting(
  rows: readonly ClaimableChannel[],
  send: (group: readonly ClaimableChannel[]) => Promise<ClaimAttempt>,
  alone: (row: ClaimableChannel, refusal: Refusal) => Promise<void>,
  refusal?: Refusal,
): Promise<void> {
  if (rows.length === 0) return
  const answer = refusal ?? (await send(rows))
  if (answer.kind !== 'refused') return
  if (rows.length === 1) return alone(rows[0]!, answer)
  const middle = Math.ceil(rows.length / 2)
  await claimSplitting(rows.slice(0, middle), send, alone)
  await claimSplitting(rows.slice(middle), send, alone)
}
