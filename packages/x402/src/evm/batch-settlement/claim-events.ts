// What the claim scheduler tells its listener: each claim and settle sent, with whose money (the receiver and the
// token), and each failure with what it means for the channels it names.
import type { Address, Hex } from 'viem'

/**
 * What a failed claim or settle means for its channels: `retry` (the facilitator or the chain could not be reached,
 * or answered oddly: the next claim tries them again), `pending` (the transaction went out without a receipt yet: the
 * next claim asks about it, never sends a second one), `held` (the contract refuses this channel's row alone: this
 * process does not try it again until the channel is charged again; a restart tries once more), `dropped` (the chain
 * shows it can never be claimed as held: it left the list of channels to claim).
 */
export type ClaimFailureOutcome = 'retry' | 'pending' | 'held' | 'dropped'

export type ClaimSchedulerEvent =
  | { type: 'batch.claimed'; transaction: string; network: string; receiver: Address; token: Address; channels: Array<{ channelId: Hex; amount: string; totalClaimed: string }> }
  | { type: 'batch.settled'; transaction: string; network: string; receiver: Address; token: Address; amount: string }
  | {
      type: 'batch.failed'
      step: 'claim' | 'settle'
      network: string
      receiver: Address
      token: Address
      reason: string
      message: string
      outcome: ClaimFailureOutcome
      channels?: Hex[]
      /** `pending`: the transaction out. */
      transaction?: string
    }
