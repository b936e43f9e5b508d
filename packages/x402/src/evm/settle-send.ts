// The last step of an EVM settle, the same for EIP-3009 transfers and Permit2 settles (exact and upto): send the
// transaction from the settler's lane, wait for its receipt (sending the same bytes again if it is dropped), and
// answer. No receipt in time is settlement_pending with the hash (the caller watches the transaction from then);
// a refusal or a revert is the payment's failure; a send the settler cannot pay gas for is the facilitator's.
import type { Address, Client, Hash, TransactionReceipt } from 'viem'
import { pendingResult } from '../facilitator/pending.js'
import type { SettleResult } from '../facilitator/types.js'
import { isContractRejection, revertReason, rpcFailure, type SettleFailure } from './chain-calls.js'
import type { GasFunds } from './gas-funds.js'
import { receiptRebroadcasting, type SentTransaction } from './rebroadcast.js'
import type { SettlementEvent } from './settlement-events.js'
import type { SubmissionLane, TransactionCall } from './submission-queue.js'

/** What localFacilitator lends the send (Permit2Context and Eip3009Context have it). */
export interface SettleSendContext {
  client: Client
  send: SubmissionLane['send']
  gas: GasFunds
  emit: (event: SettlementEvent) => void
  confirmations: number
  receiptTimeoutMs: number
  finalityDepth: number
}

export interface SettleSend {
  /** How messages name the transaction: 'transfer' (EIP-3009) or 'settle' (the Permit2 proxy's). */
  what: string
  call: TransactionCall
  network: string
  payer: Address
  /** What the success answer says moved. */
  amount: string
  /** The reason a refused or reverted transaction fails with. */
  failReason: string
  failed: SettleFailure
  /**
   * The settle request's `pendingTransaction`: set when it reconciles a transaction gone from the chain (reorged out
   * and dropped, before a restart). The one sent anew is then pending for the outbox until final, like the first,
   * so that it stays watched across another restart.
   */
  resends?: string
  /** The transaction is out, with its receipt or without one in time: the caller watches it from here. */
  out(sent: SentTransaction, receipt: TransactionReceipt | undefined): void
}

export async function sendSettlement(ctx: SettleSendContext, settle: SettleSend, signal: AbortSignal): Promise<SettleResult> {
  const { what, network, payer, failed } = settle
  signal.throwIfAborted()
  // The lane keeps the signed bytes, so that a transaction dropped before it was mined is sent again as is (rebroadcast.ts).
  let sent: SentTransaction
  try {
    sent = await ctx.send(signal, settle.call)
  } catch (error) {
    if (signal.aborted) throw signal.reason
    if (isContractRejection(error)) return failed(settle.failReason, `The ${what} was refused: ${revertReason(error)}`, payer)
    throw (await ctx.gas.outOfFunds(error, network)) ?? rpcFailure(`the ${what} submission`, error)
  }
  ctx.gas.afterSend(network)

  const { hash } = sent
  const onRebroadcast = (transaction: Hash) => ctx.emit({ type: 'settlement.rebroadcast', transaction, network, payer })
  let receipt: TransactionReceipt
  try {
    receipt = await receiptRebroadcasting(ctx.client, sent, { confirmations: ctx.confirmations, timeout: ctx.receiptTimeoutMs, pollingMs: ctx.client.pollingInterval, onRebroadcast }, signal, what)
  } catch (error) {
    if (signal.aborted) throw error // the caller gave up: nothing is sent again (rebroadcast.ts)
    // Out without a receipt in time: watched until mined, so that a retry or the outbox is answered about it.
    settle.out(sent, undefined)
    return pendingResult(hash, network, payer, `The ${what} ${hash} was sent but not mined within ${ctx.receiptTimeoutMs} ms.`)
  }
  if (receipt.status !== 'success') return failed(settle.failReason, `The ${what} ${hash} reverted on chain.`, payer, { revertedTransaction: hash })
  // Watched for a reorganisation until final (settlement-watch.ts).
  settle.out(sent, receipt)
  if (settle.resends && ctx.finalityDepth > 1) return pendingResult(hash, network, payer, `The ${what} ${settle.resends} was gone from the chain; sent again as ${hash}.`)
  return { success: true, transaction: hash, network, payer, amount: settle.amount }
}
