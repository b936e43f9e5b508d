// The test facilitator's public types: its options, what to mint a token for, the calls it records, and the
// TestFacilitator itself.
import type { PaymentRequirements, ResourceInfo, X402Version } from '../codec/types.js'
import type { Facilitator, SettleRequest, SettleResult, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import type { AmountValue } from '../requirements/types.js'
import type { FailOptions, FaultMethod, FaultTarget, TestFault } from './faults.js'
import type { BalanceTarget, TestPlan } from './ledger.js'

export interface TestFacilitatorOptions {
  /** The facilitator's name in events and errors. Default `'test'`. */
  name?: string
  /** Plans known from the start, and again after `reset()`. */
  plans?: readonly TestPlan[]
  /** Clock in milliseconds, for token expiry and call timestamps. Default `Date.now`. */
  now?: () => number
  /**
   * settle refuses (`unverified_request`) unless `request.verification.testRequestId` came from a
   * verify of the same token, which proves the engine hands verify's answer to settle. Default true.
   */
  settleRequiresVerify?: boolean
}

export interface MintCommon {
  /** Who pays: an address or any name. Balances are looked up without regard to case. */
  payer: string
  /** The proof generation: 2 (PAYMENT-SIGNATURE, default) or 1 (X-PAYMENT). */
  x402Version?: X402Version
  /** The token can be settled once only. Default: true for the `exact` and `upto` schemes, false otherwise. */
  singleUse?: boolean
  /** The token is refused (`authorization_expired`) from this moment on, in the facilitator's clock (ms). */
  expiresAt?: number | Date
  /**
   * Most the token authorises per request (`amount_exceeds_authorization` above it).
   * Default: `requirements.amount` when the offer has one, else no limit.
   */
  amount?: AmountValue
  /** v2 only: the `resource` to put in the payload. */
  resource?: ResourceInfo
  /** false mints a token with a bad signature that verify refuses (`invalid_signature`). Default true. */
  valid?: boolean
  /** v2: the payment's `extensions` (payment-identifier's id, an echoed bazaar declaration); like a real scheme's signature, the token's does not cover them, so a buyer may add to them. */
  extensions?: Record<string, unknown>
}

/** What to mint a token for: one offer, or an `accepts` list and which of its options (default the first). */
export type MintOptions = MintCommon &
  (
    | { requirements: PaymentRequirements; accepts?: undefined; optionIndex?: undefined }
    | { accepts: readonly PaymentRequirements[]; optionIndex?: number; requirements?: undefined }
  )

/** How a recorded call ended: still running (a hang), answered, or rejected. */
export type TestCallOutcome<R> =
  | { status: 'pending' }
  | { status: 'answered'; response: R }
  | { status: 'rejected'; error: unknown }

export interface TestCallBase<M extends FaultMethod, Q, R> {
  method: M
  /** The request as the engine passed it. */
  request: Q
  /** When the call started, in the facilitator's clock (ms). */
  at: number
  /** The injected fault that shaped this call, if any. */
  fault?: TestFault
  /** Updated in place when the call ends. A `garbage` fault's response is not really an R. */
  outcome: TestCallOutcome<R>
}

export type TestVerifyCall = TestCallBase<'verify', VerifyRequest, VerifyResult>
export type TestSettleCall = TestCallBase<'settle', SettleRequest, SettleResult>
export type TestCall = TestVerifyCall | TestSettleCall

/**
 * A Facilitator with a ledger, for tests. Refusal reasons it gives: `invalid_payload`, `invalid_signature`,
 * `invalid_x402_version`, `invalid_scheme`, `invalid_network`, `invalid_plan`, `invalid_pay_to`,
 * `invalid_asset`, `authorization_expired`, `nonce_already_used`, `invalid_amount`,
 * `amount_exceeds_authorization`, `insufficient_funds`, and at settle `unverified_request`.
 */
export interface TestFacilitator extends Facilitator {
  readonly name: string
  /** Add (or replace) a plan; every payer starts with its `credits`. */
  addPlan(plan: TestPlan): void
  /** Add `amount` to a payer's balance on a plan (credits) or an asset (atomic units); returns the new balance. */
  fund(payer: string, amount: AmountValue, target: BalanceTarget): bigint
  /** A payer's balance on a plan or an asset. */
  balance(payer: string, target: BalanceTarget): bigint
  /** A proof header value (standard base64 JSON) that this facilitator accepts for the offer. */
  mint(options: MintOptions): string
  /** Same as `mint({ ...options, valid: false })`: a well-formed token with a bad signature. */
  forge(options: MintOptions): string
  /** Whether a single-use token has been settled. */
  isUsed(token: string): boolean
  /** Every verify and settle call, oldest first. */
  readonly calls: readonly TestCall[]
  verifyCalls(): TestVerifyCall[]
  settleCalls(): TestSettleCall[]
  /**
   * Make calls misbehave: `fail('verify', { type: 'hang' })`, `fail('settle', { type: 'throw' }, { times: 1 })`.
   * Faults apply in the order added; without `times` one lasts until `heal()`.
   */
  fail(method: FaultTarget, fault: TestFault, options?: FailOptions): void
  /** Remove injected faults (all, or those of one method). */
  heal(method?: FaultTarget): void
  /** Forget the recorded calls only. */
  clearCalls(): void
  /** Back to a fresh state: no calls, faults, tokens or balances; plans as given in the options. */
  reset(): void
}
