// How the batch-settlement facilitator talks to the chain: reads that fail are the facilitator's fault (a 502),
// a dry run the contract refuses is the payload's, and a transaction is sent from the settler in its turn and
// waited for (the receipt wait and its timeout are localFacilitator's, as for exact and upto). One that got no
// receipt in time is `pending` (x402's settlement_pending) and kept under its key: asked again, the facilitator
// answers about that transaction instead of sending a second one.
import { type Abi, type Account, type Address, type Client, type Hash, type TransactionReceipt } from 'viem'
import { simulateContract, writeContract, type SimulateContractParameters, type WriteContractParameters } from 'viem/actions'
import { isContractRejection, receiptOf, revertReason, rpcFailure, withAbort, type SettleFailure } from '../chain-calls.js'
import { isKnown } from '../rebroadcast.js'
import { BATCH_SETTLEMENT_ABI } from './abi.js'
import { BATCH_SETTLEMENT_ADDRESS } from './constants.js'
import { SETTLEMENT_PENDING } from '../../facilitator/pending.js'
import type { SettleResult } from '../../facilitator/types.js'

/** What localFacilitator lends the batch-settlement path. */
export interface BatchContext {
  client: Client
  settler: Account
  /** Signs claim batches and refunds for channels that name it as their receiver authorizer. */
  receiverAuthorizer: Account
  now: () => number
  confirmations: number
  receiptTimeoutMs: number
  submitInTurn<T>(signal: AbortSignal, submit: () => Promise<T>): Promise<T>
  /** Payloads being settled right now (a second settle of one would only burn gas on a revert). */
  inFlight: Set<string>
  /** Transactions sent without a receipt in time, by what they settle (a deposit's authorization, a claim's rows). */
  outstanding: Map<string, Hash>
  chainId(): Promise<number>
}

/** One call of the settlement contract (or another, with its ABI). */
export interface ContractCall {
  functionName: string
  args: readonly unknown[]
  address?: Address
  abi?: Abi
}

function callOf(call: ContractCall) {
  return { address: call.address ?? BATCH_SETTLEMENT_ADDRESS, abi: call.abi ?? BATCH_SETTLEMENT_ABI, functionName: call.functionName, args: call.args }
}

/** A chain read; any failure is the facilitator's (rpc), never the payer's. */
export async function chainRead<T>(step: string, signal: AbortSignal, read: () => Promise<T>): Promise<T> {
  try {
    return await withAbort(read(), signal)
  } catch (error) {
    if (signal.aborted) throw signal.reason
    throw rpcFailure(step, error)
  }
}

/** Dry-runs `call` as the settler would send it: undefined when it would go through, else why the contract refuses. */
export async function dryRun(ctx: BatchContext, call: ContractCall, signal: AbortSignal): Promise<string | undefined> {
  try {
    await withAbort(simulateContract(ctx.client, { ...callOf(call), account: ctx.settler } as unknown as SimulateContractParameters), signal)
    return undefined
  } catch (error) {
    if (signal.aborted) throw signal.reason
    if (isContractRejection(error)) return `${call.functionName} would revert: ${revertReason(error)}`
    throw rpcFailure(`the simulated ${call.functionName}`, error)
  }
}

export type Sent = { ok: true; hash: Hash; receipt: TransactionReceipt } | { ok: false; message: string; hash?: Hash } | { ok: 'pending'; hash: Hash }

/**
 * Sends `call` from the settler in its turn and waits for the receipt; a refusal or a revert is `ok: false`, no
 * receipt in time is `pending` (the transaction is kept under `key` for `resumeSent`).
 */
export async function sendCall(ctx: BatchContext, key: string, call: ContractCall, signal: AbortSignal): Promise<Sent> {
  signal.throwIfAborted()
  let hash: Hash
  try {
    hash = await ctx.submitInTurn(signal, () =>
      writeContract(ctx.client, { ...callOf(call), account: ctx.settler, chain: ctx.client.chain ?? null } as unknown as WriteContractParameters),
    )
  } catch (error) {
    if (signal.aborted) throw signal.reason
    if (isContractRejection(error)) return { ok: false, message: `${call.functionName} was refused: ${revertReason(error)}` }
    throw rpcFailure(`the ${call.functionName} submission`, error)
  }
  ctx.outstanding.set(key, hash)
  return receiptIn(ctx, key, hash, call.functionName, signal)
}

/**
 * The transaction sent earlier under `key` without a receipt, waited for again: its outcome (mined or reverted),
 * `pending` while it is still out, or undefined when there is none: settle as usual. One the node no longer knows
 * (dropped from the mempool, or reorganised away) is forgotten, so the payload is dry-run and sent again: waiting
 * on it would answer settlement_pending for ever while its authorization may still be good.
 */
export async function resumeSent(ctx: BatchContext, key: string, what: string, signal: AbortSignal): Promise<Sent | undefined> {
  const hash = ctx.outstanding.get(key)
  if (hash === undefined) return undefined
  const known = await chainRead(`the ${what} transaction's status`, signal, () => isKnown(ctx.client, hash))
  if (known) return receiptIn(ctx, key, hash, what, signal)
  ctx.outstanding.delete(key)
  return undefined
}

async function receiptIn(ctx: BatchContext, key: string, hash: Hash, what: string, signal: AbortSignal): Promise<Sent> {
  let receipt: TransactionReceipt
  try {
    receipt = await receiptOf(ctx.client, hash, { confirmations: ctx.confirmations, timeout: ctx.receiptTimeoutMs }, signal, what)
  } catch (error) {
    if (signal.aborted) throw signal.reason
    return { ok: 'pending', hash }
  }
  ctx.outstanding.delete(key)
  if (receipt.status !== 'success') return { ok: false, message: `${what} ${hash} reverted on chain.`, hash }
  return { ok: true, hash, receipt }
}

/** The failure answer of a send that did not go through: settlement_pending with the hash while it is out. */
export function unsent(sent: Exclude<Sent, { ok: true }>, failed: SettleFailure, reason: string, payer?: string): SettleResult {
  if (sent.ok !== 'pending') return failed(reason, sent.message, payer, sent.hash ? { revertedTransaction: sent.hash } : {})
  const message = `The transaction ${sent.hash} went out and has no receipt yet; settle the same payload again to learn its outcome.`
  return { ...failed(SETTLEMENT_PENDING, message, payer), transaction: sent.hash }
}

/** Runs `work` unless the same key is already being settled; `busy` answers the second caller at once. */
export async function once<T>(ctx: BatchContext, key: string, busy: () => T, work: () => Promise<T>): Promise<T> {
  if (ctx.inFlight.has(key)) return busy()
  ctx.inFlight.add(key)
  try {
    return await work()
  } finally {
    ctx.inFlight.delete(key)
  }
}
