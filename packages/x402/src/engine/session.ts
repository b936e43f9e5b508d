// One paid request after a successful verification: the handler's context, and settlement exactly once.
import type { SettleResponse } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import type { SettleRequest, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import { parseAtomic } from '../requirements/money.js'
import type { ChargeRule, Scheme } from '../schemes/contract.js'
import { isRefusal } from './render.js'
import { runSettlement, type SettlementHooks } from './settlement.js'
import type { SessionInput } from './session-input.js'

export type { SessionInput } from './session-input.js'
import type { Instruction, Outcome, PaymentContext, PaymentInfo, PaymentSession, SettleOutcome } from './types.js'

/** The handler's ctx: a class, because an object literal with a getter is slow to create on every request. */
class PaidContext implements PaymentContext {
  #charged: string
  // Made only when a handler asks for the signal: an AbortController per request costs.
  #controller: AbortController | undefined
  #refused = false
  // What the handler passed to settleWith(), for the facilitator's settle; undefined (no cost) until it does.
  #settleOptions: Record<string, unknown> | undefined
  readonly #rule: ChargeRule
  constructor(
    readonly payment: PaymentInfo,
    rule: ChargeRule,
  ) {
    this.#rule = rule
    // A usage scheme (upto) bills what the handler reports, nothing until it does; the others settle what was verified.
    this.#charged = rule === 'usage' ? '0' : payment.amount
  }

  get charged(): string {
    return this.#charged
  }

  get payer(): string | undefined {
    return this.payment.payer
  }

  get settleOptions(): Record<string, unknown> | undefined {
    return this.#settleOptions
  }

  // The facilitator checks the fields it takes (Nevermined refuses the ones it does not).
  settleWith(options: Record<string, unknown>): void {
    this.#settleOptions = { ...this.#settleOptions, ...options }
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
      const what = this.#rule === 'usage' ? 'the maximum the payer authorised' : 'the verified amount'
      throw new TollgateError('charge_exceeds_verified', `ctx.charge(${value}) is above ${what} (${verified}); nothing above it can be settled.`, {
        path: 'ctx.charge(amount)',
        expected: `at most ${verified}`,
      })
    }
    if (value !== verified && this.#rule === 'fixed') {
      throw new TollgateError('charge_unsupported', `The ${this.payment.scheme} scheme settles the authorised amount only; ctx.charge cannot lower it.`, {
        path: 'ctx.charge(amount)',
        expected: `exactly ${verified}`,
      })
    }
    this.#charged = value.toString()
  }
}

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

function refusal(): TollgateError {
  return new TollgateError('payment_invalid', 'The payment did not verify: the work was refused and its answer dropped.')
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
  const release = () => {
    if (finished) return false
    finished = true
    input.release()
    return true
  }

  const hooks: SettlementHooks = {
    settleRequest: (charged) => settleRequestOf(input.verifyRequest, charged, verification!, scheme, ctx.settleOptions),
    fields,
    release,
    settled: () => void (settled = true),
  }

  /** Settles a 2xx status once (`undefined`: an answer that is not the paid result, settled nothing). */
  function settleFor(status: number | undefined): Promise<Instruction<A>> {
    // A speculative run's answer waits for verification, whatever its status: a refusal replaces it.
    settlement ??= verdict ? verdict.then((decided) => (isRefusal(decided) ? replace(decided) : decide(status))) : decide(status)
    return settlement
  }

  function decide(status: number | undefined): Promise<Instruction<A>> {
    if (status !== undefined && status >= 200 && status <= 299) return runSettlement(input, payment, ctx.charged, hooks)
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
