// The extension contract: how an x402 extension (payment-identifier, bazaar, sign-in-with-x, offer-receipt) plugs
// into the engine. An extension declares itself in the 402's `extensions` and reads what a payment carries in its
// own `PaymentPayload.extensions[key]`; the state machine stays in the engine (docs/extensions.md).
import type { DecodedProof, PaymentRequirements, ResourceInfo } from '../codec/types.js'
import type { Store } from '../store/types.js'

/** What a declaration is for: one route and the 402 it answers. */
export interface DeclareContext {
  /** The route key as written: `GET /weather/:city`. */
  route: string
  /** The route's upper-case method; undefined for a bare path (any method). */
  method: string | undefined
  /** The route's path pattern: `/weather/:city`. */
  path: string
  /** The 402's `resource`. */
  resource: ResourceInfo
  /** The 402's offers. */
  accepts: readonly PaymentRequirements[]
}

/** The payment an extension reads, and where it may keep state of its own about it. */
export interface PaymentToRead {
  proof: DecodedProof
  /** Hex SHA-256 of the proof header value: identifies this payment. */
  tokenHash: string
  /**
   * The paywall's Store (shared by every instance when it is Redis; failures answer 503). Keys of an extension
   * start with `tg:` and its key: `tg:pid:...`.
   */
  store: Pick<Store, 'get' | 'set' | 'add'>
  /** How long the paywall keeps paid answers (its `idempotency.ttlMs`, 10 minutes by default), in ms. */
  keepMs: number
}

/** What an extension read from a payment, for the engine to act on. */
export interface PaymentReading {
  /**
   * A Store key the paid answer is kept under (for `keepMs`) and served again from, never charged twice
   * (payment-identifier: the payment's own id). A single-use payment's answer is kept under its own id anyway.
   */
  answerKey?: string
}

export interface Extension {
  /** Its key in `PaymentRequired.extensions` and `PaymentPayload.extensions`: `payment-identifier`, `bazaar`. */
  readonly key: string
  /**
   * What the 402 declares under `extensions[key]`. Called when a route's 402 is prepared (once per resource URL
   * for fixed prices, per request otherwise); undefined declares nothing.
   */
  declare?(context: DeclareContext): unknown
  /**
   * Reads what a payment carries under `extensions[key]` (`value` undefined when it carries nothing, and for v1
   * payments), before the payment is locked or verified. Throws a TollgateError to refuse the payment (nothing is
   * charged): `invalid_extension` (400) for a malformed object, or a code the client can act on (402, 409).
   */
  readPayment?(value: unknown, payment: PaymentToRead): PaymentReading | undefined | Promise<PaymentReading | undefined>
}
