// The server side of a payment scheme, as the engine sees it. The engine knows no scheme's fields: it asks the
// scheme carried by each payment option (`option.scheme`) for the payer, the replay-guard identity, what to send the
// facilitator and how `ctx.charge` behaves. A scheme is a folder under schemes/ (its option factory and this object)
// registered with `registerScheme` (schemes/registry.ts); see docs/schemes.md.
import type { DecodedProof, PaymentRequired, PaymentRequirements, SettleResponse } from '../codec/types.js'
import type { TollgateError } from '../errors.js'
import type { Facilitator, VerifyRequest } from '../facilitator/types.js'
import type { Store } from '../store/types.js'

/**
 * How `ctx.charge(amount)` behaves:
 * - `fixed`: the verified amount is settled, and charge() may only repeat it (exact);
 * - `usage`: nothing is charged until the handler reports usage, at most the verified maximum (upto);
 * - `at-most`: the verified amount unless the handler charges less (credits plans).
 */
export type ChargeRule = 'fixed' | 'usage' | 'at-most'

/** A single-use payment's replay-guard facts, read from its payload (no I/O: this is the hot path). */
export interface ReplayFacts {
  /**
   * The payment's identity, the same for every encoding of the same payment (other base64, other key order, v1 or
   * v2). Undefined: the header's bytes are its identity (their hash).
   */
  id?: string
  /** When the payment stops being valid, in ms since the epoch; the used mark is kept until then (else a day). */
  expiresAt?: number
}

/** Fields a scheme adds to `PaymentInfo` for handlers (filled by `Scheme.describePayment`). */
export interface SchemePaymentFields {
  /** The token paid with (EVM schemes). */
  asset?: string
  /** The Nevermined plan paid with (plan schemes). */
  planId?: string
}

/** Where a paywall is being built, for a scheme that checks its offer against the facilitator. */
export interface OfferContext {
  /** The facilitator's name, for messages. */
  facilitator: string
  /** The option's path in the routes (`routes["GET /a"].accepts[0]`). */
  path: string
}

export interface Scheme {
  /** The module's name, for messages: `evm-exact`, `evm-upto`, `nvm-plan`. */
  readonly name: string
  /** The x402 scheme names it answers on the wire (`exact`; `nvm:erc4337`, `nvm:card-delegation`). */
  readonly schemes: readonly string[]
  /** The networks it serves: CAIP-2 patterns (`eip155:*`, `solana:*`), or `*` for any network name. */
  readonly networks: readonly string[]
  /**
   * The payer the payload names, before the facilitator confirms one (a speculative run shows it). Reads leniently:
   * a payload it cannot read still goes to the facilitator, which refuses it.
   */
  payer(proof: DecodedProof): string | undefined
  /**
   * Whether this payment can be used once only, and then its identity and expiry: the engine locks it, marks it
   * used after settlement and keeps its answer for retries. Undefined: reusable (a verification cache serves it).
   */
  replay(proof: DecodedProof, network: string): ReplayFacts | undefined
  /**
   * Refuses a payload whose shape this scheme cannot pay with, before any facilitator call: the reason (a 402
   * `payment_invalid`), else undefined. Optional: a facilitator-verified scheme leaves the check to its facilitator.
   */
  checkPayload?(proof: DecodedProof): string | undefined
  /** How `ctx.charge` behaves; default `at-most`. */
  readonly charge?: ChargeRule
  /** Fields a v2 proof's `accepted` must name to match an offer (the offer's own are compared in any case). */
  readonly acceptedFields?: readonly string[]
  /** Whether x402 v1 can carry this offer (v1 has no upto, no Permit2); default yes when it has amount, asset, payTo. */
  v1?(requirements: PaymentRequirements): boolean
  /** The offer as settle must see it when `amount` is charged (upto settles the charged amount); default unchanged. */
  settleRequirements?(requirements: PaymentRequirements, amount: string): PaymentRequirements
  /** The receipt when nothing was charged and no facilitator was called; default none. */
  zeroReceipt?(network: string): SettleResponse | undefined
  /** Fields of `PaymentInfo` this scheme fills for the handler (asset, planId). */
  describePayment?(requirements: PaymentRequirements, into: SchemePaymentFields): void
  /** A short name of an offer for messages: `nvm:erc4337 plan 123 on eip155:84532`. */
  describe?(requirements: PaymentRequirements): string | undefined
  /** Checks the offer once the facilitator's extras are merged (paywall creation); throws `invalid_payment_option`. */
  checkOffer?(requirements: PaymentRequirements, context: OfferContext): void
  /**
   * A scheme that verifies payments itself and keeps per-payer state (batch-settlement channels): the engine runs
   * its `begin` instead of the facilitator's verify, and its commit instead of settle (engine/local-gate.ts).
   */
  readonly local?: LocalVerification
  /**
   * Work the scheme does beside the paywall (batch-settlement's claims). createPaywall calls it once per option, after
   * `checkOffer`; the scheme adds a service to `deps.services` unless one with its key is there (options that pay the
   * same account share one: the first one's), and `paywall.close()` awaits each one's `close()`. Throws to refuse
   * the paywall (`invalid_payment_option`).
   */
  start?(requirements: PaymentRequirements, deps: ServiceDeps): void
}

/** What createPaywall gives a scheme's `start`. */
export interface ServiceDeps {
  /** The paywall's Store, as given (its optional set operations included). */
  store: Store
  facilitator: Facilitator
  /** The paywall's events (`onEvent`), undefined when nobody listens. */
  emit: ((type: 'batch.claimed' | 'batch.settled' | 'batch.failed', fields: SchemeServiceEvent) => void) | undefined
  /** The services started so far: `paywall.close()` closes each, in order. */
  services: SchemeService[]
}

/**
 * What a service tells `onEvent`: a claim (or sweep) sent, with its channels and amounts, or one that failed. Its
 * route, method and path are empty: a service works for every route of its offer, not for a request.
 */
export interface SchemeServiceEvent {
  route: string
  method: string
  path: string
  network: string
  /** The account whose money it is (the offer's payTo) and the token. */
  receiver?: string
  token?: string
  transaction?: string
  amount?: string
  reason?: string
  message?: string
  step?: 'claim' | 'settle'
  /** batch.failed: what it means for its channels (retry, pending, held, dropped). */
  outcome?: 'retry' | 'pending' | 'held' | 'dropped'
  channels?: ReadonlyArray<{ channelId: string; amount?: string; totalClaimed?: string }>
}

export interface SchemeService {
  /** What the scheme tells its services apart by (batch-settlement: one per network, receiver and token). */
  key?: string
  /** Finishes its work (a claim service claims and settles what is held) and stops. */
  close(): Promise<void>
}

/** What the engine gives a local scheme for one request. */
export interface LocalInput {
  /** The proof, the offer it pays and the 402 it answered, as verify would get them. */
  request: VerifyRequest
  facilitator: Facilitator
  /** The paywall's Store (a failure is a 503): where the scheme keeps its per-payer state and locks. */
  store: LocalStore
  verifyTimeoutMs: number
  settleTimeoutMs: number
  /** The paywall's Store as given, for state kept beside the guarded calls (batch-settlement's claim index). */
  givenStore?: Store
}

/** The Store calls a local scheme may make. */
export type LocalStore = Pick<Store, 'get' | 'set' | 'add'> & { deleteIf: NonNullable<Store['deleteIf']> }

/** A payment a local scheme accepted and holds (its channel reserved) until the engine commits or releases it. */
export interface LocalAccepted {
  ok: true
  payer: string
  /**
   * The answer when the payload is a payment operation rather than a paid request (a refund): the handler does
   * not run and this receipt is sent with `body` as JSON.
   */
  answered?: { receipt: SettleResponse; body: unknown }
  /** After the handler succeeded: record `charged` (at most the offer's amount) and give the receipt. */
  commit(charged: string, signal: AbortSignal): Promise<SettleResponse>
  /** Nothing is charged (a failed or non-2xx handler, a client that left): free the state as it was. */
  release(): void
}

/** A payment a local scheme refused: a 402 (maybe with its own `accepts`, the corrective 402) or a 5xx. */
export interface LocalRefused {
  ok: false
  error: TollgateError
  paymentRequired?: PaymentRequired
}

/**
 * A scheme that checks payments itself instead of asking a facilitator for each, and keeps state per payer
 * (a channel's balance and charges). `gate` is the engine's path for such schemes, carried here rather than
 * imported by the engine so that an app with no local scheme does not bundle it.
 */
export interface LocalVerification {
  /** Reserve the payer's state, verify (locally or with the facilitator), or refuse. */
  begin(input: LocalInput): Promise<LocalAccepted | LocalRefused>
  /** engine/local-gate.ts `localGate`. */
  readonly gate: LocalGateRunner
}

/** The engine's local path, as the gate calls it (typed by engine/local-gate.ts). */
export type LocalGateRunner = (...args: never[]) => unknown
