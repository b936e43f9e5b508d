// One paid request after a successful verification: the handler's context, phase two (finish), and settlement
// exactly once: the facilitator's settle call under its deadline, the replay guard's record, the 'deliver'
// policy's outbox, and the instruction that says what goes out. Settlement is a closure over the session, not a
// module of its own: passing the session's state to it cost bytes in every app's bundle (P5).
import type { SettleResponse } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import { isSettlementPending } from '../facilitator/pending.js'
import type { SettleRequest, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import type { Scheme } from '../schemes/contract.js'
import { withDeadline } from './deadline.js'
import { PaidContext } from './paid-context.js'
import { isRefusal } from './render.js'
import { paidHeaders } from './responses.js'
import type { SessionInput } from './session-input.js'
import type { Instruction, Outcome, PaymentInfo, PaymentSession, SettleOutcome } from './types.js'
import { assertSettleResult } from './verifier.js'

export type { SessionInput } from './session-input.js'

/** verify's request plus what settle needs, written out rather than spread (this runs on every paid request). */
function settleRequestOf(verify: VerifyRequest, amount: string, verification: VerifyResult, scheme: Scheme, settleOptions: Record<string, unknown> | undefined): SettleRequest {
  const request: SettleRequest = {
    x402Version: verify.x402Version,
    token: verify.token,
    proof: verify.proof,
    // Some schemes settle the charged amount in the offer itself (upto: the spec's phase-dependent `amount`).
    requirements: scheme.settleRequirements ? scheme.settleRequirements(verify.requirements, amount) : verify.requirements,
    paymentRequired: verify.paymentRequired,
    amount,
    verification,
  }
  if (verify.requirementsV1 !== undefined) request.requirementsV1 = verify.requirementsV1
  if (settleOptions !== undefined) request.settleOptions = settleOptions
  return request
}


/** A paid request's session; `A` is what its answers are (a Response for HTTP, an object for the structured entry). */
export interface SessionOf<A> extends Omit<PaymentSession, 'finish' | 'refusal' | 'fail' | 'settle'> {
  finish(outcome: Outcome): Promise<Instruction<A>>
  settle(status: number): Promise<SettleOutcome>
  /** `settle: 'before'`: settles before the handler runs; phase two then answers with this settlement. */
  settleBefore(): Promise<Instruction<A>>
  refusal(): Promise<A | undefined>
  fail(error: unknown): A
}

export function createSession<A>(input: SessionInput<A>): SessionOf<A> {
  const { offer, proof, emit, verdict, render } = input
  let verification = input.verification
  const x402Version = proof.x402Version
  // The option's scheme was set when the paywall was created (withFacilitatorExtra).
  const scheme = offer.option.scheme!
  const payment: PaymentInfo = {
    // The payer the payment names, for a speculative run until verification reports the payer it checked.
    payer: verification ? verification.payer : scheme.payer(proof),
    scheme: offer.requirements.scheme,
    network: offer.requirements.network,
    amount: offer.amount,
    tokenHash: input.tokenHash,
    x402Version,
    requirements: offer.requirements,
  }
  scheme.describePayment?.(offer.requirements, payment)

  const ctx = new PaidContext(payment, scheme.charge ?? 'at-most')
  const fields = () => ({ ...input.fields(), payer: payment.payer })
  let settlement: Promise<Instruction<A>> | undefined
  let instruction: Promise<Instruction<A>> | undefined
  let settleOutcome: Promise<SettleOutcome> | undefined
  let headGiven = false
  let settled = false
  let finished = false
  // Ends the payment's hold once, whatever ends it: the lock is released (a consumed payment stays marked used).
  // `kept`: the payment settled, or is kept for a later settlement; else nothing was charged.
  const release = (kept?: boolean) => {
    if (finished) return false
    finished = true
    input.release(kept)
    return true
  }

  /** Settles what the handler left charged for the payment. */
  async function runSettlement(): Promise<Instruction<A>> {
    const charged = ctx.charged
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
      const receipt = scheme.zeroReceipt?.(payment.network)
      if (receipt && payment.payer !== undefined) receipt.payer = payment.payer
      return sendPaid(receipt, x402Version)
    }
    const request = settleRequestOf(input.verifyRequest, charged, verification!, scheme, ctx.settleOptions)
    const started = Date.now()
    emit?.('settle.start', { ...fields(), amount: charged })
    let result: SettleResponse
    let pending: SettleResponse | undefined
    const deliver = input.onSettleFailure === 'deliver'
    try {
      result = await withDeadline('settle', input.settleTimeoutMs, (signal) => input.facilitator.settle(request, signal))
      assertSettleResult(result)
      // x402's settlement_pending: its transaction is out, unmined. Not delivered (but under 'deliver') nor marked
      // used: the outbox reconciles it (never a second transfer), and the same payment retried gets its answer.
      if (isSettlementPending(result)) throw new TollgateError('settlement_pending', 'Settlement pending: retry with the same payment.', { transaction: (pending = result).transaction })
    } catch (error) {
      release(deliver || !!pending)
      const failure = error instanceof TollgateError ? error : new TollgateError('facilitator_error', String(error))
      const receipt = pending ?? failureReceipt(payment, failure.code)
      emit?.(pending ? 'settle.pending' : 'settle.error', { ...fields(), amount: charged, reason: failure.code, status: failure.status, durationMs: Date.now() - started, ...(pending && { transaction: pending.transaction }) })
      if (deliver || pending) {
        // The content goes out unpaid for now: the payment is spent on it, and the outbox collects it later.
        if (deliver) await input.consume?.().catch(() => {})
        await input.enqueue(request, pending && { transaction: pending.transaction }).catch((error: unknown) => {
          // The content went out and the retry could not be queued: the one place a payment can be lost. Say so.
          emit?.('store.error', { ...fields(), amount: charged, reason: error instanceof TollgateError ? error.code : 'outbox_unavailable' })
        })
        if (deliver) return sendPaid(receipt, x402Version)
      }
      return { kind: 'replace', response: render.fail(failure, { response: receipt, x402Version }), receipt }
    }
    if (!result.success) {
      release(deliver)
      const reason = result.errorReason ?? 'settlement_failed'
      const receipt: SettleResponse = { ...result, transaction: result.transaction ?? '', network: result.network ?? payment.network }
      emit?.('settle.failure', { ...fields(), amount: charged, reason, status: 402, durationMs: Date.now() - started })
      if (deliver) {
        await input.consume?.().catch(() => {})
        return sendPaid(receipt, x402Version)
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
    release(true)
    settled = true
    if (input.settled) result = await input.settled(result, offer.requirements, payment.payer)
    // Kept in the outbox until final, so that a reorganisation after a restart is still settled again.
    if (input.watch) {
      input.enqueue(request, { transaction: result.transaction, watch: true }).catch((error: unknown) => {
        // Paid and delivered, but no longer watched for a reorganisation: say so.
        emit?.('store.error', { ...fields(), amount: charged, reason: error instanceof TollgateError ? error.code : 'outbox_unavailable' })
      })
    }
    emit?.('settle.success', {
      ...fields(),
      payer: result.payer ?? payment.payer,
      amount: charged,
      transaction: result.transaction,
      status: 200,
      durationMs: Date.now() - started,
    })
    return sendPaid(result, x402Version)
  }

  /** Settles a 2xx status once (`undefined`: an answer that is not the paid result, settled nothing). */
  function settleFor(status: number | undefined): Promise<Instruction<A>> {
    // A speculative run's answer waits for verification, whatever its status: a refusal replaces it.
    settlement ??= verdict ? verdict.then((decided) => (isRefusal(decided) ? replace(decided) : decide(status))) : decide(status)
    return settlement
  }

  function decide(status: number | undefined): Promise<Instruction<A>> {
    if (status !== undefined && status >= 200 && status <= 299) return runSettlement()
    release()
    emit?.('handler.passthrough', status === undefined ? fields() : { ...fields(), status })
    return Promise.resolve(SEND_UNSETTLED)
  }

  function fail(error: unknown): A {
    if (release()) emit?.('handler.error', { ...fields(), reason: error instanceof Error ? error.name : 'thrown', status: 500 })
    return render.fail(new TollgateError('handler_error', 'The handler failed; nothing was charged.', {}, { cause: error }))
  }

  function abort(): void {
    if (release()) emit?.('client.aborted', { ...fields(), status: 499 })
  }

  function threw(error: unknown, answered: boolean | undefined): Promise<Instruction<A>> {
    const failed = (): Instruction<A> => {
      const response = fail(error)
      return answered ? SEND_UNSETTLED : replace(response)
    }
    // A speculative run that threw while its payment was being refused answers the refusal (402, 502, 504).
    if (!verdict) return Promise.resolve(failed())
    return verdict.then((decided) => (isRefusal(decided) ? replace(decided) : failed()))
  }

  // Verification decides while the handler runs: a refusal releases the payment and tells the handler at once.
  verdict?.then((decided) => {
    if (isRefusal(decided)) {
      release()
      PaidContext.refuse(ctx)
      return
    }
    verification = decided
    payment.payer = decided.payer
  })

  return {
    ctx,
    payment,
    speculative: verdict !== undefined,
    finish(outcome) {
      if (instruction) {
        if (!headGiven || outcome.kind === 'head' || outcome.kind === 'delivered') return instruction
        // The answer is on its way: a throw or a departure now can only cut it short.
        if (outcome.kind === 'left') abort()
        return CUT
      }
      switch (outcome.kind) {
        case 'head':
        case 'delivered':
          headGiven = true
          return (instruction = settleFor(outcome.kind === 'head' ? outcome.status : 200))
        case 'undelivered':
          return (instruction = settleFor(undefined))
        case 'threw':
          return (instruction = threw(outcome.error, outcome.answered))
        default:
          abort() // left
          return (instruction = CUT)
      }
    },
    settle(status) {
      return (settleOutcome ??= settleFor(status).then(toSettleOutcome))
    },
    settleBefore: () => settleFor(200),
    refusal() {
      if (!verdict) return Promise.resolve(undefined)
      return verdict.then((decided) => (isRefusal(decided) ? decided : undefined))
    },
    keep(response) {
      return settled ? input.keep(response) : response
    },
    fail,
    abort,
  }
}

const SEND_UNSETTLED = Object.freeze({ kind: 'send', headers: Object.freeze({}) }) as Instruction<never>
const CUT = Promise.resolve(Object.freeze({ kind: 'cut' }) as Instruction<never>)

function replace<A>(response: A): Instruction<A> {
  return { kind: 'replace', response }
}

/** settle() never cuts: a send or a replace. */
function toSettleOutcome<A>(instruction: Instruction<A>): SettleOutcome {
  const { receipt } = instruction as { receipt?: SettleResponse }
  return instruction.kind === 'send' ? { ok: true, headers: instruction.headers, receipt } : { ok: false, response: (instruction as { response: Response }).response, receipt }
}

function sendPaid<A>(receipt: SettleResponse | undefined, x402Version: PaymentInfo['x402Version']): Instruction<A> {
  const headers = paidHeaders(receipt, x402Version)
  return receipt ? { kind: 'send', headers, receipt } : { kind: 'send', headers }
}

function failureReceipt(payment: PaymentInfo, reason: string): SettleResponse {
  const receipt: SettleResponse = { success: false, errorReason: reason, transaction: '', network: payment.network }
  if (payment.payer !== undefined) receipt.payer = payment.payer
  return receipt
}
