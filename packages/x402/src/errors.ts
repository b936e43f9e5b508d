// One error type for the whole SDK, and one table from its codes to HTTP statuses.
// Every Response the engine makes for a failure is derived from this table.
//
// The table is written in two lists: the codes answered 402 (most of them) by name, and every other code with its
// status. A server's bundle then carries only the codes its own code names and the short second list: the
// buyer's and the extensions' 402 codes stay out of it (P5), and ERROR_STATUS, built from both, only where it is read.

/** Codes answered 402: the request carries no usable payment, and the client should pay (again). */
const PAY_AGAIN = [
  'payment_required',
  'header_too_large',
  'malformed_payment',
  'unsupported_version',
  'no_matching_requirements',
  'payment_invalid',
  'payment_already_used',
  'payment_in_use',
  'settlement_failed',
  // The buyer's side (@tollgate/x402/client): thrown by the paying fetch, never sent by a server.
  'no_payable_offer',
  'over_spend_cap',
  'payment_refused',
  'payment_declined',
  // bbuyer (issue 23), the buyer's batch-settlement channels: a seller's corrective 402 that does not check out
  // (its voucher is not ours, or it charges beyond it), and a cooperative refund the seller did not carry out.
  'channel_correction_refused',
  'refund_failed',
] as const

/** Every other code, and its status. */
const OTHER_STATUS = {
  // The facilitator failed us: not the payer's fault.
  facilitator_error: 502,
  facilitator_bad_response: 502,
  facilitator_timeout: 504,
  // The Store (replay guard) cannot be reached: fail closed rather than risk serving a payment twice.
  store_unavailable: 503,
  // Our side.
  handler_error: 500,
  charge_exceeds_verified: 500,
  charge_unsupported: 500,
  client_aborted: 499,
  // The buyer's side (@tollgate/x402/client): thrown by the paying fetch, never sent by a server.
  malformed_402: 502,
  payer_error: 500,
  body_not_replayable: 500,
  // Programming errors, thrown at construction; never sent to a client on purpose.
  invalid_options: 500,
  invalid_price: 500,
  invalid_payment_option: 500,
  unknown_network: 500,
  // A route accepts a kind (x402Version, scheme, network) its facilitator does not list in /supported.
  unsupported_payment_kind: 500,
  // faults (issue 24): the settlement's transaction went out but had no receipt in time (x402's
  // settlement_pending); it is reconciled later, and the answer is not delivered meanwhile.
  settlement_pending: 504,
  // exta (issue 20): extensions a payment carries (extensions/*).
  // A route requires a payment-identifier and the payment carries none: the spec's 400 Bad Request.
  payment_id_required: 400,
  // The payment's id names another payment already: nothing is charged (the spec's 409 Conflict).
  payment_id_conflict: 409,
  // An extension the payment carries is malformed (not the shape its spec writes).
  invalid_extension: 400,
  // extb (issue 20, offer-receipt), the buyer's side: a signed offer or receipt whose signature does not hold, or
  // by a signer it does not trust. (A refused wallet sign-in is a `payment_required` with an `invalid_siwx_*` reason.)
  offer_signature_invalid: 502,
  receipt_signature_invalid: 502,
} as const satisfies Record<string, number>

export type ErrorCode = (typeof PAY_AGAIN)[number] | keyof typeof OTHER_STATUS

/** Every error code and the HTTP status it answers. */
export const ERROR_STATUS: { readonly [code in (typeof PAY_AGAIN)[number]]: 402 } & typeof OTHER_STATUS = /* @__PURE__ */ table()

function table(): typeof ERROR_STATUS {
  return { ...Object.fromEntries(PAY_AGAIN.map((code) => [code, 402])), ...OTHER_STATUS } as typeof ERROR_STATUS
}

export interface TollgateErrorDetails {
  /** Which field or option was wrong, as a dotted path (`routes["GET /a"].price`). */
  path?: string
  /** What was expected there. */
  expected?: string
  /** The facilitator's own reason string, kept verbatim (an open set). */
  reason?: string
  [key: string]: unknown
}

export class TollgateError extends Error {
  override readonly name = 'TollgateError'
  // Declared, set by the constructor: class fields of their own would be bytes in every app's bundle.
  declare readonly code: ErrorCode
  declare readonly status: number
  declare readonly details: TollgateErrorDetails

  constructor(code: ErrorCode, message: string, details: TollgateErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.status = statusOf(code)
    this.details = details
  }

  /** The reason string put on the wire: the facilitator's own when it gave one, else our code. */
  get reason(): string {
    return this.details.reason ?? this.code
  }
}

export function isTollgateError(value: unknown): value is TollgateError {
  return value instanceof TollgateError
}

export function statusOf(code: ErrorCode): number {
  return (OTHER_STATUS as Record<string, number>)[code] ?? 402
}
