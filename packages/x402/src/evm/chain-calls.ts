// The chain calls of localFacilitator: the EIP-3009 transfer (simulated, then sent) and how the chain's
// failures read: a contract's refusal is the payer's problem, anything else is the facilitator's (a 502).
import {
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  parseSignature,
  size,
  type Account,
  type Address,
  type Client,
  type Hash,
  type Hex,
  encodeFunctionData,
} from 'viem'
import { estimateContractGas, simulateContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { TollgateError } from '../errors.js'
import { abortable } from '../facilitator/abort.js'
import type { SettleResult } from '../facilitator/types.js'
import { EIP3009_ABI } from './abi.js'
import type { ExactEvmPayload } from './scheme.js'

export function isContractRejection(error: unknown): boolean {
  return (
    error instanceof BaseError &&
    error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError) !== null
  )
}

export function revertReason(error: unknown): string {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
    if (reverted instanceof ContractFunctionRevertedError && reverted.reason) return reverted.reason
    return error.shortMessage
  }
  return String(error)
}

export function rpcFailure(step: string, cause: unknown): TollgateError {
  if (cause instanceof TollgateError) return cause // already says what failed (the settler's lease, the Store)
  const detail = cause instanceof BaseError ? cause.shortMessage : String(cause)
  return new TollgateError('facilitator_error', `localFacilitator: the chain did not answer ${step}: ${detail}`, {}, { cause })
}

export function withAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return abortable(promise, signal, (aborted) => aborted.reason)
}

export type SettleFailure = (errorReason: string, errorMessage: string, payer?: string, extra?: Record<string, unknown>) => SettleResult

/** How a refused settlement on `network` reads: `success: false`, no transaction. */
export function settleFailure(network: string): SettleFailure {
  return (errorReason, errorMessage, payer, extra = {}) => ({
    success: false,
    errorReason,
    errorMessage,
    transaction: '',
    network,
    ...(payer === undefined ? {} : { payer }),
    ...extra,
  })
}

export interface ReceiptWait {
  confirmations: number
  timeout: number
}

/**
 * The receipt of a sent transaction. From here the transaction is out: an abort stops the wait, not the
 * transaction; no receipt in time is the facilitator's failure (502), with the hash.
 */
export async function receiptOf(client: Client, hash: Hash, wait: ReceiptWait, signal: AbortSignal, what: string) {
  try {
    return await withAbort(waitForTransactionReceipt(client, { hash, ...wait }), signal)
  } catch (error) {
    if (signal.aborted) throw signal.reason
    throw new TollgateError(
      'facilitator_error',
      `localFacilitator: no receipt for the ${what} ${hash}: ${error instanceof BaseError ? error.shortMessage : String(error)}`,
      { transaction: hash },
      { cause: error },
    )
  }
}

/**
 * The arguments of the call that moves the money: the v, r, s form for a plain 65-byte signature
 * (every USDC v2 has it), else the bytes form. Tagged, because the two overloads take different lists.
 */
function transferArgs(payload: ExactEvmPayload) {
  const a = payload.authorization
  const head = [a.from, a.to, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce] as const
  if (size(payload.signature) === 65) {
    const { r, s, yParity } = parseSignature(payload.signature)
    return { form: 'vrs', args: [...head, yParity + 27, r, s] } as const
  }
  return { form: 'bytes', args: [...head, payload.signature] } as const
}

const TRANSFER = { abi: EIP3009_ABI, functionName: 'transferWithAuthorization' } as const

/** Dry-runs the transfer as `account` would send it; rejects with the revert when it would fail. */
export async function simulateTransfer(client: Client, account: Account, payload: ExactEvmPayload, address: Address): Promise<void> {
  const call = transferArgs(payload)
  if (call.form === 'vrs') await simulateContract(client, { ...TRANSFER, address, args: call.args, account })
  else await simulateContract(client, { ...TRANSFER, address, args: call.args, account })
}

/**
 * Dry-runs the transfer as `account` would send it, as a gas estimate: the same check as a simulation, and the
 * gas it needs comes with it. Against the latest block, as a simulation (some nodes estimate on the pending one).
 * Rejects with the revert when it would fail.
 */
export function estimateTransfer(client: Client, account: Account, payload: ExactEvmPayload, address: Address): Promise<bigint> {
  const call = transferArgs(payload)
  return call.form === 'vrs'
    ? estimateContractGas(client, { ...TRANSFER, address, args: call.args, account, blockTag: 'latest' })
    : estimateContractGas(client, { ...TRANSFER, address, args: call.args, account, blockTag: 'latest' })
}

/** The transfer as a call to sign and send: the token and the calldata. */
export function transferCall(payload: ExactEvmPayload, address: Address): { to: Address; data: Hex } {
  const call = transferArgs(payload)
  const data = call.form === 'vrs' ? encodeFunctionData({ ...TRANSFER, args: call.args }) : encodeFunctionData({ ...TRANSFER, args: call.args })
  return { to: address, data }
}

/** Sends the transfer from `account`; resolves with the transaction hash once the node accepted it. */
export function submitTransfer(client: Client, account: Account, payload: ExactEvmPayload, address: Address): Promise<Hash> {
  const call = transferArgs(payload)
  const chain = client.chain ?? null
  return call.form === 'vrs'
    ? writeContract(client, { ...TRANSFER, address, args: call.args, account, chain })
    : writeContract(client, { ...TRANSFER, address, args: call.args, account, chain })
}
