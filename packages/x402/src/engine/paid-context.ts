// The handler's ctx on a paid request: what was paid, ctx.charge's rule, settleWith, and the signal a refused
// speculative run aborts.
import { TollgateError } from '../errors.js'
import { parseAtomic } from '../requirements/money.js'
import type { ChargeRule } from '../schemes/contract.js'
import type { PaymentContext, PaymentInfo } from './types.js'

/** The handler's ctx: a class, because an object literal with a getter is slow to create on every request. */
export class PaidContext implements PaymentContext {
  #charged: string
  // Made only when a handler asks for the signal: an AbortController per request costs.
  #controller: AbortController | undefined
  #refused = false
  // What the handler passed to settleWith(), for the facilitator's settle; undefined (no cost) until it does.
  #settleOptions: Record<string, unknown> | undefined
  readonly #rule: ChargeRule
  // Declared, not a parameter property: that would also emit a class field, bytes in every app's bundle.
  declare readonly payment: PaymentInfo
  constructor(payment: PaymentInfo, rule: ChargeRule) {
    this.payment = payment
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

function refusal(): TollgateError {
  return new TollgateError('payment_invalid', 'The payment did not verify: the work was refused and its answer dropped.')
}
