// One error type for the whole SDK, and one table from its codes to HTTP statuses.
// Every Response the engine makes for a failure is derived from this table.

export const ERROR_STATUS = {
  // The request carries no usable payment: the client should pay (again).
  payment_required: 402,
  header_too_large: 402,
  malformed_payment: 402,
  unsupported_version: 402,
  no_matching_requirements: 402,
  payment_invalid: 402,
  payment_already_used: 402,
  payment_in_use: 402,
  settlement_failed: 402,
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
  no_payable_offer: 402,
  over_spend_cap: 402,
  payment_refused: 402,
  payment_declined: 402,
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
  // bbuyer (issue 23), the buyer's batch-settlement channels: a seller's corrective 402 that does not check out
  // (its voucher is not ours, or it charges beyond it), and a cooperative refund the seller did not carry out.
  channel_correction_refused: 402,
  refund_failed: 402,
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

export type ErrorCode = keyof typeof ERROR_STATUS

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
  readonly code: ErrorCode
  readonly status: number
  readonly details: TollgateErrorDetails

  constructor(code: ErrorCode, message: string, details: TollgateErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.status = ERROR_STATUS[code]
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
  return ERROR_STATUS[code]
}
