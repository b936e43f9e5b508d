// The extension contract: how an x402 extension (payment-identifier, bazaar, sign-in-with-x, offer-receipt) plugs
// into the engine. An extension declares itself in the 402's `extensions` and reads what a payment carries in its
// own `PaymentPayload.extensions[key]`; the state machine stays in the engine (docs/extensions.md).
import type { HeaderReader } from '../codec/headers.js'
import type { DecodedProof, PaymentRequired, PaymentRequirements, ResourceInfo, SettleResponse } from '../codec/types.js'
import type { TollgateError } from '../errors.js'
import type { Facilitator } from '../facilitator/types.js'
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

/** A route as createPaywall reads it, for an extension's check of the facilitator. */
export interface RouteToCheck {
  /** The route key as written: `GET /weather/:city`. */
  key: string
  /** Its payment options; each one's offer is its `requirements`. */
  options: readonly { requirements: PaymentRequirements }[]
}

/** The payment an extension reads, and where it may keep state of its own about it. */
export interface PaymentToRead {
  proof: DecodedProof
  /** Hex SHA-256 of the proof header value: identifies this payment. */
  tokenHash: string
  /**
   * The paywall's Store (shared by every instance when it is Redis; failures answer 503). Keys of an extension
   * start with `tg:` and its key: `tg:pid:...`. `deleteIf(key, value)` (always there on the paywall's)
   * deletes a key only while it holds `value`.
   */
  store: Pick<Store, 'get' | 'set' | 'add' | 'deleteIf'>
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
  /**
   * Undoes what `readPayment` took for this payment (payment-identifier: the id's binding, when this request made
   * it) once the payment ends with nothing charged: refused, failed, timed out, the client gone, the handler failed
   * or answered non-2xx, the settlement failed. Not called once the payment settled or was kept for a later
   * settlement (the outbox, `onSettleFailure: 'deliver'`). A failure here is ignored.
   */
  release?(): Promise<unknown>
}

/** A request that carries no payment, on a route whose extensions answer before payment. */
export interface UnpaidRequest {
  request: Request
  headers: HeaderReader
  /** The 402's resource URL (baseUrl and trustProxy applied). */
  resourceUrl: string
  /** The paywall's Store, as `PaymentToRead.store` (failures answer 503). */
  store: PaymentToRead['store']
  /** The 402 as prepared, with the `declare` parts. */
  paymentRequired: PaymentRequired
}

/** Whether an extension lets a request in without paying (the payer it signed in), or why it refuses to (402). */
export type Admission = { payer: string } | { refused: TollgateError }

/** A successful settlement, for an extension to add its part to the receipt. */
export interface SettledPayment {
  resourceUrl: string
  store: PaymentToRead['store']
  /** The facilitator's receipt, before extensions add to it. */
  receipt: SettleResponse
  /** The offer that was paid. */
  requirements: PaymentRequirements
  /** Who paid: the receipt's payer, else the verified one. */
  payer: string | undefined
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
   * For an extension whose work is the facilitator's (gas sponsoring), called once when the paywall is created:
   * throws a TollgateError `invalid_options` when the route's facilitator says it does not handle it
   * (`Facilitator.supportedExtensions`); says nothing when the facilitator does not know.
   */
  checkFacilitator?(route: RouteToCheck, facilitator: Facilitator): void
  /**
   * Reads what a payment carries under `extensions[key]` (`value` undefined when it carries nothing, and for v1
   * payments), before the payment is locked or verified. Throws a TollgateError to refuse the payment (nothing is
   * charged): `invalid_extension` (400) for a malformed object, or a code the client can act on (402, 409).
   */
  readPayment?(value: unknown, payment: PaymentToRead): PaymentReading | undefined | Promise<PaymentReading | undefined>
  /**
   * The engine's steps for `challenge`, `admit` and `settled`: `extensionSteps` (this entry, typed by the engine), brought by the
   * extensions that need them so that an app without such extensions does not ship them. One extension on a route
   * bringing them is enough; a route whose extensions have those hooks and none brings them is refused.
   */
  readonly steps?: object
  /**
   * What this request's 402 declares under `extensions[key]`, made for each unpaid request (a fresh nonce, offers
   * signed now); it wins over `declare`. Undefined declares nothing.
   */
  challenge?(request: UnpaidRequest): unknown
  /**
   * Before payment, on a request without one (not HEAD): undefined leaves it to pay; `{ payer }` lets it in (the
   * handler runs, `ctx.payer` is set, nothing is charged); `{ refused }` answers the 402 with its reason.
   */
  admit?(request: UnpaidRequest): Admission | undefined | Promise<Admission | undefined>
  /**
   * After a successful settlement: the receipt's `extensions[key]`, or undefined for none. A failure here does not
   * undo the payment: the receipt goes without this part and a `store.error` event says so.
   */
  settled?(payment: SettledPayment): unknown
}

