// localSvmFacilitator: verifies exact SVM payments in process and settles them on a Solana chain, as the x402 spec
// describes: the buyer's partially signed transaction is checked (check-transaction.ts), simulated, co-signed by the
// fee payer, sent and confirmed, once. A separate factory from the EVM localFacilitator, so that an app carries
// @solana/kit or viem only for the chains it takes; combineFacilitators puts both behind one paywall.
import type { Facilitator, PaymentKind, SettleResult } from '../facilitator/types.js'
import { toV1Network } from '../requirements/networks.js'
import type { SvmChain } from './chain.js'
import { SVM_EXACT_REASONS as REASONS } from './constants.js'
import { resolveFeePayer, type FeePayer } from './fee-payer.js'
import { resolveSvmOptions, type LocalSvmFacilitatorOptions } from './facilitator-options.js'
import { pendingResult } from '../facilitator/pending.js'
import { paymentOf, pendingSettlements, signedBy } from './pending-settlements.js'
import { settledMemory } from './settled-memory.js'
import { verifySvmPayment } from './verify-payment.js'
import { encodeSvmTransaction, toBase58 } from './wire.js'

export type { LocalSvmFacilitatorOptions } from './facilitator-options.js'

/** A Facilitator for scheme `exact` on the Solana chain behind `chain`, paying fees from `feePayer`. */
export function localSvmFacilitator(options: LocalSvmFacilitatorOptions): Facilitator & { readonly feePayer: string; readonly chain: SvmChain } {
  const settings = resolveSvmOptions(options)
  const { chain, limits, confirmTimeoutMs } = settings
  let signer: Promise<FeePayer> | undefined
  const feePayer = () => (signer ??= resolveFeePayer(settings.feePayer, 'localSvmFacilitator.feePayer'))
  const memory = settledMemory()
  // Settles out without a confirmation in time: answered about their signature later (pending-settlements.ts).
  const pending = pendingSettlements(chain, confirmTimeoutMs)
  const network = chain.network
  const fail = (errorReason: string, errorMessage: string, payer?: string, transaction = ''): SettleResult => ({
    success: false,
    errorReason,
    errorMessage,
    transaction,
    network,
    ...(payer === undefined ? {} : { payer }),
  })

  return {
    name: 'local-svm',
    chain,
    feePayer: settings.feePayerAddress,
    offerExtra(kind) {
      // The buyer's transaction names this fee payer; the offer tells it which.
      return kind.scheme === 'exact' && kind.network === network ? { feePayer: settings.feePayerAddress } : undefined
    },
    async verify(request, signal) {
      const payer = pending.payerOf(paymentOf(request.proof)?.id)
      if (payer !== undefined) return { isValid: true, payer, network }
      const verified = await verifySvmPayment(request.proof, request.requirements, { chain, feePayer: settings.feePayerAddress, limits }, signal)
      return verified.ok ? { isValid: true, payer: verified.transfer.payer, network } : verified.result
    },
    async settle(request, signal) {
      // The outbox's signature counts only when it is the fee payer's of this payment's transaction.
      const payment = paymentOf(request.proof)
      const ours = payment !== undefined && (await signedBy(settings.feePayerAddress, request.pendingTransaction, payment.tx))
      const known = await pending.reconcile(payment?.id, ours ? request.pendingTransaction : undefined, request.verification.payer, signal)
      if (known) return known
      const verified = await verifySvmPayment(request.proof, request.requirements, { chain, feePayer: settings.feePayerAddress, limits }, signal)
      if (!verified.ok) {
        const { invalidReason, invalidMessage, payer } = verified.result
        return fail(invalidReason ?? REASONS.verificationFailed, invalidMessage ?? 'the payment is not valid', payer)
      }
      const { tx, transfer } = verified
      // The buyer's signature names the payment whatever its encoding.
      const id = toBase58(tx.signatures[1]!)
      if (!memory.claim(id)) return fail(REASONS.duplicateSettlement, 'this transaction is being settled or was settled already', transfer.payer)
      const signed = encodeSvmTransaction([await (await feePayer()).sign(tx.messageBytes), ...tx.signatures.slice(1)], tx.messageBytes)
      const sent = await chain.send(signed, signal)
      if (!sent.ok || sent.signature === undefined) {
        if (!sent.ok && /AlreadyProcessed/.test(sent.error)) return fail(REASONS.duplicateSettlement, 'the chain has processed this transaction already', transfer.payer)
        if (!sent.ok && !sent.blockhashExpired) memory.release(id)
        return fail(REASONS.transactionFailed, `the chain refused the transaction: ${sent.ok ? 'no signature' : sent.error}`, transfer.payer)
      }
      const confirmed = await chain.confirm(sent.signature, AbortSignal.any([signal, AbortSignal.timeout(confirmTimeoutMs)])).catch((error: unknown) => ({
        ok: false as const,
        error: `not confirmed: ${error instanceof Error ? error.message : String(error)}`,
        unknown: !signal.aborted,
      }))
      // Accepted, no answer in time (or the RPC failed asking): it may still land, so it is pending, not failed.
      if (!confirmed.ok && 'unknown' in confirmed && confirmed.unknown) {
        pending.add(id, sent.signature, transfer.payer)
        return pendingResult(sent.signature, network, transfer.payer, `The transaction ${sent.signature} was sent but not confirmed within ${confirmTimeoutMs} ms.`)
      }
      if (!confirmed.ok) return fail(REASONS.transactionFailed, `the transaction failed: ${confirmed.error}`, transfer.payer, sent.signature)
      return { success: true, transaction: sent.signature, network, payer: transfer.payer }
    },
    async supported() {
      const extra = { feePayer: settings.feePayerAddress }
      const kinds: PaymentKind[] = [{ x402Version: 2, scheme: 'exact', network, extra }]
      const v1 = toV1Network(network)
      if (v1) kinds.push({ x402Version: 1, scheme: 'exact', network: v1, extra })
      return kinds
    },
  }
}
