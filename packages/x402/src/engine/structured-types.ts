// Public types of the structured (transport-neutral) entry: `paywall.checkPayment()`. A transport that is not HTTP
// (MCP) hands the core the payment as an object and gets objects back; the engine's path is the same as HTTP's.
import type { PaymentRequired, SettleResponse } from '../codec/types.js'
import type { TollgateError } from '../errors.js'
import type { Outcome, PaymentContext, PaymentInfo } from './types.js'

export interface PaymentCheckInput {
  /** The resource URL the payment is for (`https://api.example.com/tools/search`, `mcp://tool/search`); routes match its path. */
  resource: string
  /** The method routes match. Default `'POST'`. */
  method?: string
  /**
   * The payment as the transport carried it: the PaymentPayload object (v1 or v2), or undefined when none came.
   * A string is read as a proof header's value (base64 of the JSON), for clients that send the header's form.
   * Checked as a header is: size limit (of its encoded form), version, schema, each refusal with its reason.
   */
  payment?: unknown
  /** True once the caller has gone away (a cancelled request): nothing is charged then. Default: never. */
  isAborted?: () => boolean
  /** What per-request price functions read (`amount: async (request) => ...`). Default: a body-less Request for `resource`. */
  request?: Request
}

/** Why a payment was not taken, and what to pay again. */
export interface PaymentRefusal {
  kind: 'refused'
  /** The error: its `code` and `status` from the code table (402 to pay again; 499, 500, 502, 503, 504). */
  error: TollgateError
  /** The reason on the wire: the facilitator's own when it gave one, else the error's code. */
  reason: string
  /** A message safe to show the caller (a handler's own error message is never shown). */
  message: string
  /** What to pay again, with `error` set to the reason; absent only when the route could not be priced. */
  paymentRequired?: PaymentRequired
  /** A failed settlement's receipt. */
  receipt?: SettleResponse
}

/**
 * An answer the core gives in place of the work: one kept for idempotent retries (`idempotency`), served again
 * without paying twice (`replayed: true`), or one a payment operation made now (a batch-settlement refund's
 * receipt, `replayed: false`).
 */
export interface PaymentKept {
  kind: 'kept'
  /** Whether it is a kept answer served again (an HTTP answer's `Idempotent-Replayed: true`). */
  replayed: boolean
  status: number
  headers: [string, string][]
  body: Uint8Array
}

/** What `checkPayment()` decided. */
export type PaymentCheck =
  /** No payment came: what to pay (`error: "Payment required"`). */
  | { kind: 'payment-required'; paymentRequired: PaymentRequired }
  | PaymentRefusal
  | PaymentKept
  /** The resource is not priced: run it for free. */
  | { kind: 'free'; ctx: PaymentContext }
  /** Verified (or verifying, speculatively): run the work with `session.ctx`, then `session.finish(outcome)`. */
  | { kind: 'paid'; session: StructuredSession }

/** Phase two's answer on the structured entry: deliver (with the receipt), answer the refusal instead, or nothing. */
export type StructuredInstruction =
  | { kind: 'send'; receipt?: SettleResponse }
  | { kind: 'replace'; refusal: PaymentRefusal; receipt?: SettleResponse }
  | { kind: 'cut' }

export interface StructuredSession {
  readonly ctx: PaymentContext
  readonly payment: PaymentInfo
  /** Phase two, once: as `PaymentSession.finish`, with the receipt and the refusal as objects. */
  finish(outcome: Outcome): Promise<StructuredInstruction>
  /** After a `send` that settled: keeps the delivered answer for idempotent retries (when `idempotency` is on). */
  keep(answer: { body: string | Uint8Array; status?: number; headers?: Record<string, string> }): void
}
