// A Solana settle whose transaction was accepted for processing but not confirmed within `confirmTimeoutMs` may
// still land (until its blockhash expires): it is answered settlement_pending with the signature, not as failed.
// A later settle of the same payment (the buyer's retry) or one naming the signature (the engine's outbox, also
// after a restart) is answered from the signature's status on chain: confirmed = settled, failed or unknown to
// the chain = refused (nothing moved), no answer yet = pending again. Never sent a second time.
import { getBase58Encoder, getPublicKeyFromAddress, verifySignature, type Address, type SignatureBytes } from '@solana/kit'
import { pendingResult } from '../facilitator/pending.js'
import type { DecodedProof } from '../codec/types.js'
import type { SettleResult } from '../facilitator/types.js'
import { proofParts } from '../facilitator/proof-parts.js'
import type { SvmChain } from './chain.js'
import { SVM_EXACT_REASONS as REASONS } from './constants.js'
import { decodeSvmTransaction, toBase58, type SvmTransaction } from './wire.js'

const SIGNATURE = /^[1-9A-HJ-NP-Za-km-z]{64,88}$/
// How long the outbox's question waits for a status: it asks again later.
const RECONCILE_WAIT_MS = 2_000
const RETAIN_MS = 60 * 60_000
const MAX_ENTRIES = 10_000

export interface PendingSettlements {
  /** The settle of payment `id` (the buyer's signature) was answered pending: its transaction's signature. */
  add(id: string, signature: string, payer: string): void
  /** The answer for a payment with a transaction out; undefined when there is none: settle as usual. */
  reconcile(id: string | undefined, pendingTransaction: string | undefined, payer: string | undefined, signal: AbortSignal): Promise<SettleResult | undefined>
  /** Its settle was answered pending: the buyer's retry verifies as valid (its transaction may have landed). */
  payerOf(id: string | undefined): string | undefined
}

/** The proof's transaction and the buyer's signature, which names the payment whatever its encoding. */
export function paymentOf(proof: DecodedProof): { tx: SvmTransaction; id: string } | undefined {
  const encoded = (proofParts(proof).payload as { transaction?: unknown } | undefined)?.transaction
  const tx = typeof encoded === 'string' ? decodeSvmTransaction(encoded) : undefined
  return tx?.signatures[1] ? { tx, id: toBase58(tx.signatures[1]) } : undefined
}

/** Whether `signature` is `feePayer`'s of this transaction: the one our settle sent (not another's, not a guess). */
export async function signedBy(feePayer: string, signature: string | undefined, tx: SvmTransaction): Promise<boolean> {
  if (signature === undefined || !SIGNATURE.test(signature)) return false
  try {
    const key = await getPublicKeyFromAddress(feePayer as Address)
    return await verifySignature(key, getBase58Encoder().encode(signature) as SignatureBytes, tx.messageBytes as never)
  } catch {
    return false
  }
}

export function pendingSettlements(chain: SvmChain, confirmTimeoutMs: number, now: () => number = Date.now): PendingSettlements {
  const entries = new Map<string, { signature: string; payer: string; at: number }>()
  const network = chain.network
  return {
    add(id, signature, payer) {
      entries.delete(id)
      entries.set(id, { signature, payer, at: now() })
      for (const [key, entry] of entries) {
        if (now() - entry.at <= RETAIN_MS && entries.size <= MAX_ENTRIES) break // insertion order: the oldest first
        entries.delete(key)
      }
    },
    payerOf: (id) => (id === undefined ? undefined : entries.get(id)?.payer),
    async reconcile(id, pendingTransaction, payer, signal) {
      const known = id === undefined ? undefined : entries.get(id)
      const reconciling = typeof pendingTransaction === 'string' && SIGNATURE.test(pendingTransaction)
      const signature = reconciling ? pendingTransaction : known?.signature
      if (signature === undefined) return undefined
      const who = known?.payer ?? payer
      // The buyer's retry waits as a first settle would; the outbox asks again later.
      const waited = AbortSignal.timeout(reconciling ? Math.min(RECONCILE_WAIT_MS, confirmTimeoutMs) : confirmTimeoutMs)
      const outcome = await chain.confirm(signature, AbortSignal.any([signal, waited])).catch(() => undefined)
      if (signal.aborted) throw signal.reason
      if (outcome === undefined) return pendingResult(signature, network, who, `The transaction ${signature} is not confirmed yet.`)
      if (id !== undefined) entries.delete(id)
      if (outcome.ok) return { success: true, transaction: signature, network, ...(who === undefined ? {} : { payer: who }) }
      return { success: false, errorReason: REASONS.transactionFailed, errorMessage: `the transaction ${signature} did not land: ${outcome.error}`, transaction: signature, network, ...(who === undefined ? {} : { payer: who }) }
    },
  }
}
