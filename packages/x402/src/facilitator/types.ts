// The Facilitator interface: what the engine needs to check a proof and to collect the money.
import type {
  DecodedProof,
  PaymentRequired,
  PaymentRequirements,
  PaymentRequirementsV1,
  SettleResponse,
  VerifyResponse,
  X402Version,
} from '../codec/types.js'

/** Everything a facilitator may need to verify one proof against what the route asks. */
export interface VerifyRequest {
  /** The generation the client used; answer in kind. */
  x402Version: X402Version
  /** The proof header value, verbatim (Nevermined wants the token exactly as sent). */
  token: string
  /** The decoded proof, in its own generation's shape. */
  proof: DecodedProof
  /** The offer the payment is for, in v2 shape. */
  requirements: PaymentRequirements
  /** The same offer in v1 shape, present when `x402Version` is 1. */
  requirementsV1?: PaymentRequirementsV1
  /** The whole 402 the route answers with (v2 shape); Nevermined sends it to verify and settle. */
  paymentRequired: PaymentRequired
  /** Atomic units (exact) or credits (Nevermined) to authorise, as a decimal string. */
  amount: string
}

/** A facilitator's verdict. Extra keys (an agentRequestId) ride along to settle. */
export interface VerifyResult extends VerifyResponse {
  network?: string
}

export interface SettleRequest extends VerifyRequest {
  /** What verify said, so that per-request state (Nevermined's agentRequestId) reaches settle. */
  verification: VerifyResult
  /** What the handler asked of this settlement with `ctx.settleWith()` (Nevermined: `{ batch, marginPercent }`). */
  settleOptions?: Record<string, unknown>
  /**
   * Set when the engine reconciles: the transaction an earlier settle of this same payment sent (it answered
   * `settlement_pending`, or its settlement is watched until final). Answer about that transaction; never send a
   * second transfer while it can still be mined. Facilitators that do not know the field settle as usual.
   */
  pendingTransaction?: string
}

export type SettleResult = SettleResponse

/** A kind of payment a facilitator can handle. */
export interface PaymentKind {
  x402Version: number
  scheme: string
  network: string
  /** What the facilitator adds for this kind (upto: its `facilitatorAddress`). */
  extra?: Record<string, unknown>
}

export interface Facilitator {
  /** A short name for events and errors (`nevermined`, `http:https://x402.org/facilitator`, `local`). */
  readonly name?: string
  /**
   * Check a proof. An invalid payment resolves with `isValid: false`; a facilitator that cannot
   * answer rejects. Implementations should stop work when `signal` aborts.
   */
  verify(request: VerifyRequest, signal: AbortSignal): Promise<VerifyResult>
  /** Collect `request.amount`. A refused settlement resolves with `success: false`. */
  settle(request: SettleRequest, signal: AbortSignal): Promise<SettleResult>
  /**
   * True when a verification holds per-request state that settle consumes (Nevermined's agentRequestId): the
   * engine then verifies every request on its own, with no cache and no sharing of calls in flight.
   */
  readonly perRequestVerification?: boolean
  /**
   * True when a successful settlement can still be undone by the chain (a reorganisation) and this facilitator
   * settles it again when asked with `pendingTransaction` (localFacilitator with a `finalityDepth`): a paywall
   * with an explicit `outbox` then keeps each delivered settlement there until this facilitator says it is final,
   * so that the watch survives a restart.
   */
  readonly watchesSettlements?: boolean
  /**
   * Optional: keys this facilitator adds to the `extra` of offers of a kind, known without a network call (upto:
   * `{ facilitatorAddress }`, the address its permits must name; Nevermined: the route's `method` as `httpVerb`).
   * Read once, when the paywall is created; `method` is the route's, when its key names one.
   */
  offerExtra?(kind: { scheme: string; network: string; method?: string }): Record<string, unknown> | undefined
  /**
   * Optional: the x402 extensions (keys) this facilitator handles for offers of a kind, known without a network call
   * (localFacilitator: gas sponsoring on Permit2 offers; httpFacilitator: the `extensions` its last `/supported`
   * answer lists beside its kinds). Undefined when it does not know: nothing is checked. Read once, when the paywall
   * is created, to refuse a route declaring an extension its facilitator says it does not handle (`invalid_options`).
   */
  supportedExtensions?(kind: { scheme: string; network: string }): readonly string[] | undefined
  /** Optional: the kinds this facilitator supports, for start-up checks. */
  supported?(signal: AbortSignal): Promise<PaymentKind[]>
}
