// A settlement transaction kept until it is mined. It is watched block by block; when the node knows it neither
// as mined nor as pending once a block has passed (dropped from the mempool: evicted, a node restart,
// anvil_dropAllTransactions), the same signed bytes are sent again. The same bytes are the same transaction (the
// same hash and account nonce), so a re-broadcast can never become a second transfer.
import { sleep } from '../facilitator/abort.js'
import { BaseError, TransactionNotFoundError, TransactionReceiptNotFoundError, type Account, type Client, type Hash, type Hex, type TransactionReceipt } from 'viem'
import { getBlockNumber, getTransaction, getTransactionReceipt, sendRawTransaction } from 'viem/actions'
import { TollgateError } from '../errors.js'

/** A sent settlement: its hash, and its signed bytes when the settler signs locally (else it cannot be re-sent). */
export interface SentTransaction {
  hash: Hash
  raw: Hex | undefined
}

/** `account`, with what it signs kept: a local account signs here, so its transaction can be sent again as is. */
export function recordingSigner(account: Account): { account: Account; lastSigned: () => Hex | undefined } {
  if (account.type !== 'local') return { account, lastSigned: () => undefined }
  let raw: Hex | undefined
  const signTransaction: typeof account.signTransaction = async (transaction, options) => {
    raw = await account.signTransaction(transaction, options)
    return raw
  }
  return { account: { ...account, signTransaction }, lastSigned: () => raw }
}

export interface SettlementWait {
  /** Blocks, the including one counted, before the receipt counts. */
  confirmations: number
  /** How long to wait for it in all, in ms. */
  timeout: number
  /** How often to ask the chain, in ms. */
  pollingMs: number
  /** Told each time the transaction is sent again (tests and events). */
  onRebroadcast?: (hash: Hash) => void
}

/**
 * The receipt of `sent` once it has `confirmations`, re-sending it when it was dropped. An abort stops the wait
 * (and any re-sending: the caller gave up), not a transaction already out; no receipt in time is the
 * facilitator's failure (502), with the hash.
 */
export async function receiptRebroadcasting(client: Client, sent: SentTransaction, wait: SettlementWait, signal: AbortSignal, what: string): Promise<TransactionReceipt> {
  const deadline = Date.now() + wait.timeout
  // The head when the transaction was last (re)sent: it counts as dropped only once a block has passed since.
  let sentAtHead: bigint | undefined
  let lastError: unknown
  for (;;) {
    signal.throwIfAborted()
    try {
      const receipt = await receiptOrNothing(client, sent.hash)
      if (receipt && wait.confirmations <= 1) return receipt
      const head = await getBlockNumber(client, { cacheTime: 0 })
      if (receipt) {
        if (head - receipt.blockNumber + 1n >= BigInt(wait.confirmations)) return receipt
      } else if (sentAtHead === undefined) {
        sentAtHead = head
      } else if (head > sentAtHead && sent.raw && !(await isKnown(client, sent.hash))) {
        signal.throwIfAborted()
        await resend(client, sent.raw)
        sentAtHead = head
        wait.onRebroadcast?.(sent.hash)
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason
      lastError = error // a failed read is asked again at the next poll, until the deadline
    }
    if (Date.now() + wait.pollingMs > deadline) throw noReceipt(what, sent.hash, lastError)
    await sleep(wait.pollingMs, signal)
  }
}

export async function receiptOrNothing(client: Client, hash: Hash): Promise<TransactionReceipt | undefined> {
  try {
    return await getTransactionReceipt(client, { hash })
  } catch (error) {
    if (error instanceof TransactionReceiptNotFoundError) return undefined
    throw error
  }
}

/** The receipt of the first of `sends` mined successfully (at most one can be: they share a nonce), if any. */
export async function firstReceipt(client: Client, sends: readonly SentTransaction[]): Promise<TransactionReceipt | undefined> {
  for (const { hash } of sends) {
    const receipt = await receiptOrNothing(client, hash)
    if (receipt?.status === 'success') return receipt
  }
  return undefined
}

/** Whether the node knows the transaction at all (pending, or mined since the receipt was asked). */
export async function isKnown(client: Client, hash: Hash): Promise<boolean> {
  try {
    await getTransaction(client, { hash })
    return true
  } catch (error) {
    if (error instanceof TransactionNotFoundError) return false
    throw error
  }
}

export async function resend(client: Client, raw: Hex): Promise<void> {
  try {
    await sendRawTransaction(client, { serializedTransaction: raw })
  } catch (error) {
    // Known already (another node had kept it) is what we wanted; anything else is asked again next block.
    if (error instanceof BaseError && /already known|already imported|known transaction/i.test(error.details ?? error.message)) return
    throw error
  }
}

function noReceipt(what: string, hash: Hash, cause: unknown): TollgateError {
  const detail = cause instanceof BaseError ? cause.shortMessage : cause === undefined ? 'not mined in time' : String(cause)
  return new TollgateError('facilitator_error', `localFacilitator: no receipt for the ${what} ${hash}: ${detail}`, { transaction: hash }, { cause })
}
