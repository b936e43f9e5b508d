// Settling a paid answer exactly once: the facilitator's settle call under its deadline, the replay guard's
// record, the 'deliver' policy's outbox, and the instruction that says what goes out.
import type { SettleResponse } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import type { SettleRequest } from '../facilitator/types.js'
import { withDeadline } from './deadline.js'
import { paidHeaders } from './responses.js'
import type { SessionInput } from './session-input.js'
import type { Instruction, PaymentInfo, PaywallEvent } from './types.js'
import { assertSettleResult } from './verifier.js'

/** What settlement needs of its session, beyond its input and payment. */
export interface SettlementHooks {
  /** The facilitator's settle request for an amount (once verification decided). */
  settleRequest: (charged: string) => SettleRequest
  fields: () => Omit<PaywallEvent, 'type' | 'at'>
  /** Ends the payment's hold (releases its lock) once; false when it had ended already. */
  release: () => boolean
  /** Marks the session settled: its answer may be kept for idempotent retries. */
  settled: () => void
}

/** Settles `charged` (the amount the handler left) for the session's payment. */
export async function runSettlement<A>(input: SessionInput<A>, payment: PaymentInfo, charged: string, hooks: SettlementHooks): Promise<Instruction<A>> {
  const { fields, release } = hooks
  const { emit, render } = input
  const x402Version = payment.x402Version
  if (input.isAborted()) {
    release()
    emit?.('client.aborted', { ...fields(), status: 499 })
    const aborted = new TollgateError('client_aborted', 'The client went away before the response; nothing was charged.')
    return { kind: 'replace', response: render.fail(aborted) }
  }
  if (charged === '0') {
    release()
    emit?.('settle.success', { ...fields(), amount: '0', status: 200 })
    // Nothing to move, so no facilitator call; a scheme may still give a receipt saying 0 was charged (upto).
    const receipt = input.offer.option.scheme!.zeroReceipt?.(payment.network)
    if (receipt && payment.payer !== undefined) receipt.payer = payment.payer
    return sendPaid(paidHeaders(receipt, x402Version), receipt)
  }
  const request = hooks.settleRequest(charged)
  const started = Date.now()
  emit?.('settle.start', { ...fields(), amount: charged })
  let result: SettleResponse
  try {
    result = await withDeadline('settle', input.settleTimeoutMs, (signal) => input.facilitator.settle(request, signal))
    assertSettleResult(result)
  } catch (error) {
    release()
    const failure = error instanceof TollgateError ? error : new TollgateError('facilitator_error', String(error))
    const receipt = failureReceipt(payment, failure.code)
    emit?.('settle.error', { ...fields(), amount: charged, reason: failure.code, status: failure.status, durationMs: Date.now() - started })
    if (input.onSettleFailure === 'deliver') {
      // The content goes out unpaid for now: the payment is spent on it, and the outbox collects it later.
      await input.consume?.().catch(() => {})
      await input.enqueue(request).catch((error: unknown) => {
        // The content went out and the retry could not be queued: the one place a payment can be lost. Say so.
        emit?.('store.error', { ...fields(), amount: charged, reason: error instanceof TollgateError ? error.code : 'outbox_unavailable' })
      })
      return sendPaid(paidHeaders(receipt, x402Version), receipt)
    }
    return { kind: 'replace', response: render.fail(failure, { response: receipt, x402Version }), receipt }
  }
  if (!result.success) {
    release()
    const reason = result.errorReason ?? 'settlement_failed'
    const receipt: SettleResponse = { ...result, transaction: result.transaction ?? '', network: result.network ?? payment.network }
    emit?.('settle.failure', { ...fields(), amount: charged, reason, status: 402, durationMs: Date.now() - started })
    if (input.onSettleFailure === 'deliver') {
      await input.consume?.().catch(() => {})
      return sendPaid(paidHeaders(receipt, x402Version), receipt)
    }
    const refusal = new TollgateError('settlement_failed', `The settlement failed: ${reason}.`, { reason })
    return { kind: 'replace', response: render.refuse(refusal, input.prepared.paymentRequired, { response: receipt, x402Version }), receipt }
  }
  // The money moved: deliver even if the replay guard cannot record it (the facilitator's own single-use check
  // still stands behind it), but say so.
  if (input.consume) {
    await input.consume().catch((error: unknown) => {
      emit?.('store.error', { ...fields(), reason: error instanceof TollgateError ? error.code : 'store_unavailable' })
    })
  }
  release()
  hooks.settled()
  emit?.('settle.success', {
    ...fields(),
    payer: result.payer ?? payment.payer,
    amount: charged,
    transaction: result.transaction,
    status: 200,
    durationMs: Date.now() - started,
  })
  return sendPaid(paidHeaders(result, x402Version), result)
}

function sendPaid<A>(headers: Readonly<Record<string, string>>, receipt: SettleResponse | undefined): Instruction<A> {
  return receipt ? { kind: 'send', headers, receipt } : { kind: 'send', headers }
}

function failureReceipt(payment: PaymentInfo, reason: string): SettleResponse {
  const receipt: SettleResponse = { success: false, errorReason: reason, transaction: '', network: payment.network }
  if (payment.payer !== undefined) receipt.payer = payment.payer
  return receipt
}
