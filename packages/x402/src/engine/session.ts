// One paid request after a successful verification: the handler's context, and settlement exactly once.
import type { DecodedProof, SettleResponse } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import type { Facilitator, SettleRequest, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import { parseAtomic } from '../requirements/money.js'
import type { Emit } from './events.js'
import { withDeadline } from './deadline.js'
import type { Prepared, PreparedOffer } from './prepare.js'
import { paidHeaders, render402, send402, sendError } from './responses.js'
import type { PaymentContext, PaymentInfo, PaymentSession, PaywallEvent, SettleOutcome } from './types.js'
import { assertSettleResult } from './verifier.js'

export interface SessionInput {
  /** Whether the client has gone away (its connection closed). */
  isAborted: () => boolean
  prepared: Prepared
  offer: PreparedOffer
  proof: DecodedProof
  tokenHash: string
  verifyRequest: VerifyRequest
  /** The verified payment; undefined while a speculative run waits for `verdict`. */
  verification: VerifyResult | undefined
  /** Speculative handling: what verification will decide, the verified payment or the Response that refuses it. */
  verdict?: Promise<VerifyResult | Response>
  facilitator: Facilitator
  settleTimeoutMs: number
  onSettleFailure: 'fail' | 'deliver'
  emit: Emit | undefined
  /** The request's event fields (route, token hash, kind, speculative); the session adds the payer. */
  fields: () => Omit<PaywallEvent, 'type' | 'at'>
  /** Marks a single-use payment consumed (after a successful settlement); undefined for a reusable one. */
  consume: (() => Promise<void>) | undefined
  /** Releases the lock on a single-use payment so that it can be used again (nothing was charged). */
  release: () => void
  /** Queues a settlement that failed for a transient reason, for the outbox worker to retry ('deliver' only). */
  enqueue: (request: SettleRequest) => Promise<void>
  /** Keeps a paid response for idempotent retries; returns the Response to send. */
  keep: (response: Response) => Response
}

/** The handler's ctx: a class, because an object literal with a getter is slow to create on every request. */
class PaidContext implements PaymentContext {
  #charged: string
  // Made only when a handler asks for the signal: an AbortController per request costs.
  #controller: AbortController | undefined
  #refused = false
  constructor(readonly payment: PaymentInfo) {
    // upto bills the usage the handler reports, nothing until it does; the other schemes settle what was verified.
    this.#charged = payment.scheme === 'upto' ? '0' : payment.amount
  }

  get charged(): string {
    return this.#charged
  }

  get payer(): string | undefined {
    return this.payment.payer
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController()
      if (this.#refused) this.#controller.abort(refusal())
    }
    return this.#controller.signal
  }

  /** The paywall refused the work (a speculative run whose payment did not verify): abort `ctx.signal`. */
  static refuse(ctx: PaidContext): void {
    if (ctx.#refused) return
    ctx.#refused = true
    ctx.#controller?.abort(refusal())
  }

  charge(amount: string | bigint | number): void {
    const value = parseAtomic(amount, 'ctx.charge(amount)', { allowZero: true })
    const verified = BigInt(this.payment.amount)
    if (value > verified) {
      const what = this.payment.scheme === 'upto' ? 'the maximum the payer authorised' : 'the verified amount'
      throw new TollgateError('charge_exceeds_verified', `ctx.charge(${value}) is above ${what} (${verified}); nothing above it can be settled.`, {
        path: 'ctx.charge(amount)',
        expected: `at most ${verified}`,
      })
    }
    if (value !== verified && this.payment.scheme === 'exact') {
      throw new TollgateError('charge_unsupported', 'The exact scheme settles the authorised amount only; ctx.charge cannot lower it.', {
        path: 'ctx.charge(amount)',
        expected: `exactly ${verified}`,
      })
    }
    this.#charged = value.toString()
  }
}

/** verify's request plus what settle needs, written out rather than spread (this runs on every paid request). */
function settleRequestOf(verify: VerifyRequest, amount: string, verification: VerifyResult): SettleRequest {
  const request: SettleRequest = {
    x402Version: verify.x402Version,
    token: verify.token,
    proof: verify.proof,
    // upto's settle carries the amount to settle in the offer itself (the spec's phase-dependent `amount`).
    requirements: verify.requirements.scheme === 'upto' ? { ...verify.requirements, amount } : verify.requirements,
    paymentRequired: verify.paymentRequired,
    amount,
    verification,
  }
  if (verify.requirementsV1 !== undefined) request.requirementsV1 = verify.requirementsV1
  return request
}

function refusal(): TollgateError {
  return new TollgateError('payment_invalid', 'The payment did not verify: the work was refused and its answer dropped.')
}

/**
 * The payer a payment names (EIP-3009's or Permit2's `from`, a test token's `payer`), for a speculative run until
 * verification reports the payer it checked.
 */
function claimedPayer(proof: DecodedProof): string | undefined {
  const payload = proof.payload.payload as { authorization?: { from?: unknown }; permit2Authorization?: { from?: unknown }; payer?: unknown }
  const from = (payload.authorization ?? payload.permit2Authorization)?.from ?? payload.payer
  return typeof from === 'string' ? from : undefined
}

export function createSession(input: SessionInput): PaymentSession {
  const { offer, proof, emit, verdict } = input
  let verification = input.verification
  const x402Version = proof.x402Version
  const payment: PaymentInfo = {
    payer: verification ? verification.payer : claimedPayer(proof),
    scheme: offer.requirements.scheme,
    network: offer.requirements.network,
    amount: offer.amount,
    tokenHash: input.tokenHash,
    x402Version,
    requirements: offer.requirements,
  }
  if (offer.requirements.asset !== undefined) payment.asset = offer.requirements.asset
  if (offer.requirements.planId !== undefined) payment.planId = offer.requirements.planId

  const ctx = new PaidContext(payment)
  const fields = () => ({ ...input.fields(), payer: payment.payer })
  let outcome: Promise<SettleOutcome> | undefined
  let settled = false
  let finished = false
  const finish = () => {
    if (finished) return false
    finished = true
    input.release()
    return true
  }

  const failureReceipt = (reason: string): SettleResponse => {
    const receipt: SettleResponse = { success: false, errorReason: reason, transaction: '', network: payment.network }
    if (payment.payer !== undefined) receipt.payer = payment.payer
    return receipt
  }

  async function runSettlement(): Promise<SettleOutcome> {
    if (input.isAborted()) {
      finish()
      emit?.('client.aborted', { ...fields(), status: 499 })
      return { ok: false, response: sendError(new TollgateError('client_aborted', 'The client went away before the response; nothing was charged.')) }
    }
    const charged = ctx.charged
    if (charged === '0') {
      finish()
      emit?.('settle.success', { ...fields(), amount: '0', status: 200 })
      // Nothing to move, so no facilitator call; an upto payer still gets a receipt saying 0 was charged.
      const receipt: SettleResponse | undefined =
        payment.scheme === 'upto' ? { success: true, transaction: '', network: payment.network, amount: '0' } : undefined
      if (receipt && payment.payer !== undefined) receipt.payer = payment.payer
      return { ok: true, headers: paidHeaders(receipt, x402Version), ...(receipt ? { receipt } : {}) }
    }
    const request = settleRequestOf(input.verifyRequest, charged, verification!)
    const started = Date.now()
    emit?.('settle.start', { ...fields(), amount: charged })
    let result: SettleResponse
    try {
      result = await withDeadline('settle', input.settleTimeoutMs, (signal) => input.facilitator.settle(request, signal))
      assertSettleResult(result)
    } catch (error) {
      finish()
      const failure = error instanceof TollgateError ? error : new TollgateError('facilitator_error', String(error))
      const receipt = failureReceipt(failure.code)
      emit?.('settle.error', { ...fields(), amount: charged, reason: failure.code, status: failure.status, durationMs: Date.now() - started })
      if (input.onSettleFailure === 'deliver') {
        // The content goes out unpaid for now: the payment is spent on it, and the outbox collects it later.
        await input.consume?.().catch(() => {})
        await input.enqueue(request).catch((error: unknown) => {
          // The content went out and the retry could not be queued: the one place a payment can be lost. Say so.
          emit?.('store.error', { ...fields(), amount: charged, reason: error instanceof TollgateError ? error.code : 'outbox_unavailable' })
        })
        return { ok: true, headers: paidHeaders(receipt, x402Version), receipt }
      }
      return { ok: false, response: sendError(failure, { response: receipt, x402Version }), receipt }
    }
    if (!result.success) {
      finish()
      const reason = result.errorReason ?? 'settlement_failed'
      const receipt: SettleResponse = { ...result, transaction: result.transaction ?? '', network: result.network ?? payment.network }
      emit?.('settle.failure', { ...fields(), amount: charged, reason, status: 402, durationMs: Date.now() - started })
      if (input.onSettleFailure === 'deliver') {
        await input.consume?.().catch(() => {})
        return { ok: true, headers: paidHeaders(receipt, x402Version), receipt }
      }
      const { paymentRequired } = input.prepared
      const response = send402(render402(paymentRequired, reason), paymentRequired, { receipt: { response: receipt, x402Version } })
      return { ok: false, response, receipt }
    }
    // The money moved: deliver even if the replay guard cannot record it (the facilitator's own nonce check
    // still stands behind it), but say so.
    if (input.consume) {
      await input.consume().catch((error: unknown) => {
        emit?.('store.error', { ...fields(), reason: error instanceof TollgateError ? error.code : 'store_unavailable' })
      })
    }
    finish()
    settled = true
    emit?.('settle.success', {
      ...fields(),
      payer: result.payer ?? payment.payer,
      amount: charged,
      transaction: result.transaction,
      status: 200,
      durationMs: Date.now() - started,
    })
    return { ok: true, headers: paidHeaders(result, x402Version), receipt: result }
  }

  function decide(status: number): Promise<SettleOutcome> {
    if (status >= 200 && status <= 299) return runSettlement()
    finish()
    emit?.('handler.passthrough', { ...fields(), status })
    return Promise.resolve({ ok: true, headers: {} })
  }

  // Verification decides while the handler runs: a refusal releases the payment and tells the handler at once.
  verdict?.then((decided) => {
    if (decided instanceof Response) {
      finish()
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
    settle(status) {
      if (outcome) return outcome
      // A speculative run's answer waits for verification, whatever its status: a refusal replaces it.
      outcome = verdict ? verdict.then((decided) => (decided instanceof Response ? { ok: false, response: decided } : decide(status))) : decide(status)
      return outcome
    },
    refusal() {
      if (!verdict) return Promise.resolve(undefined)
      return verdict.then((decided) => (decided instanceof Response ? decided : undefined))
    },
    keep(response) {
      return settled ? input.keep(response) : response
    },
    fail(error) {
      if (finish()) emit?.('handler.error', { ...fields(), reason: error instanceof Error ? error.name : 'thrown', status: 500 })
      return sendError(new TollgateError('handler_error', 'The handler failed; nothing was charged.', {}, { cause: error }))
    },
    abort() {
      if (finish()) emit?.('client.aborted', { ...fields(), status: 499 })
    },
  }
}
