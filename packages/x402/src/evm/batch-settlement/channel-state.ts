// A channel's on-chain state in one read: what the facilitator returns as the channel snapshot
// (balance, totalClaimed, withdrawRequestedAt, refundNonce) and what a buyer recovers from after losing its own.
import type { Address, Hex, PublicClient } from 'viem'
import { BATCH_SETTLEMENT_ABI } from '../batch-settlement.artifact.js'
import { BATCH_SETTLEMENT_ADDRESS } from './constants.js'

export interface ChannelSnapshot {
  channelId: Hex
  /** Deposited minus refunded and withdrawn (claimed amounts stay in it until the channel is drained). */
  balance: bigint
  /** Cumulative amount claimed for the receiver. */
  totalClaimed: bigint
  /** Unix seconds a timed withdrawal started, 0 when none is pending. */
  withdrawRequestedAt: number
  /** Amount of the pending timed withdrawal, 0 when none. */
  withdrawAmount: bigint
  /** The nonce the next `refundWithSignature` must carry. */
  refundNonce: bigint
}

type Reader = Pick<PublicClient, 'readContract'>

/** Reads the channel's balances, pending withdrawal and refund nonce (three reads, sent together). */
export async function readChannel(client: Reader, channelId: Hex, contract: Address = BATCH_SETTLEMENT_ADDRESS): Promise<ChannelSnapshot> {
  const [[balance, totalClaimed], [withdrawAmount, initiatedAt], refundNonce] = await Promise.all([
    client.readContract({ address: contract, abi: BATCH_SETTLEMENT_ABI, functionName: 'channels', args: [channelId] }),
    client.readContract({ address: contract, abi: BATCH_SETTLEMENT_ABI, functionName: 'pendingWithdrawals', args: [channelId] }),
    client.readContract({ address: contract, abi: BATCH_SETTLEMENT_ABI, functionName: 'refundNonce', args: [channelId] }),
  ])
  return { channelId, balance, totalClaimed, withdrawRequestedAt: Number(initiatedAt), withdrawAmount, refundNonce }
}
