// Verifies one exact SVM payment as the spec asks: the kind (scheme, network, fee payer), the transaction's own
// rules (check-transaction.ts), then the chain: the source and destination token accounts exist and the
// transaction simulates. Nothing is signed here.
import type { DecodedProof, PaymentRequirements } from '../codec/types.js'
import { proofParts, refusal } from '../facilitator/proof-parts.js'
import type { VerifyResult } from '../facilitator/types.js'
import type { SvmChain } from './chain.js'
import { checkTransaction, type CheckLimits, type TransferFacts } from './check-transaction.js'
import { SVM_EXACT_REASONS as REASONS } from './constants.js'
import { decodeSvmTransaction, type SvmTransaction } from './wire.js'

export type Verified = { ok: true; tx: SvmTransaction; transfer: TransferFacts } | { ok: false; result: VerifyResult }

export interface VerifyContext {
  chain: SvmChain
  feePayer: string
  limits: CheckLimits
}

export async function verifySvmPayment(proof: DecodedProof, requirements: PaymentRequirements, context: VerifyContext, signal: AbortSignal): Promise<Verified> {
  const refuse = (reason: string, message: string, payer?: string): Verified => ({ ok: false, result: refusal(reason, message, payer) })
  const { chain, feePayer } = context
  const parts = proofParts(proof)
  if (requirements.scheme !== 'exact' || parts.scheme !== 'exact') return refuse(REASONS.unsupportedScheme, `scheme ${String(parts.scheme)} is not exact`)
  // v1 proofs name the network in v1 words; the engine has matched the offer already, so the offer's network rules.
  if (requirements.network !== chain.network) return refuse(REASONS.networkMismatch, `this facilitator settles on ${chain.network}, not ${requirements.network}`)
  const named = requirements.extra?.feePayer
  if (typeof named !== 'string' || named === '') return refuse(REASONS.missingFeePayer, 'the offer names no extra.feePayer')
  if (named !== feePayer) return refuse(REASONS.feePayerNotManaged, `this facilitator pays fees from ${feePayer}, not ${named}`)
  const encoded = (parts.payload as { transaction?: unknown } | undefined)?.transaction
  if (typeof encoded !== 'string') return refuse(REASONS.invalidTransaction, 'the payload has no transaction')
  const tx = decodeSvmTransaction(encoded)
  if (!tx) return refuse(REASONS.undecodable, 'the transaction could not be decoded (legacy or v0 without lookup tables, base64)')

  const checked = await checkTransaction(tx, requirements, feePayer, context.limits)
  if (!checked.ok) return refuse(checked.reason, checked.message, checked.payer)
  const { transfer } = checked
  signal.throwIfAborted()
  if (!(await chain.accountExists(transfer.source, signal))) return refuse(REASONS.invalidTransaction, `the buyer's token account ${transfer.source} does not exist`, transfer.payer)
  if (!(await chain.accountExists(transfer.destination, signal))) {
    return refuse(REASONS.recipientMismatch, `the seller's token account ${transfer.destination} does not exist (and the transaction does not create it)`, transfer.payer)
  }
  const simulated = await chain.simulate(encodedWire(encoded), signal)
  if (!simulated.ok) {
    const why = simulated.blockhashExpired ? "the transaction's blockhash expired: pay again with a fresh one" : simulated.error
    return refuse(REASONS.simulationFailed, `the transaction fails: ${why}`, transfer.payer)
  }
  return { ok: true, tx, transfer }
}

function encodedWire(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
}
