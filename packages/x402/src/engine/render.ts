// How the engine's answers are rendered: HTTP Responses for check()/handle(), objects for the structured entry.
// The state machine decides what to answer (a refusal, a failure, a kept answer); a Renderer only writes it.
import type { PaymentRequired, SettleResponse, X402Version } from '../codec/types.js'
import { isTollgateError, TollgateError } from '../errors.js'
import type { VerifyResult } from '../facilitator/types.js'
import { replayResponse, type StoredResponse } from './idempotency.js'
import { render402, send402, sendError } from './responses.js'

/** A settlement receipt, in the generation the client paid with. */
export interface ReceiptOf {
  response: SettleResponse
  x402Version: X402Version
}

export interface Renderer<A> {
  /** A refusal the client can pay past (402): what to pay again, with the reason. */
  refuse(error: TollgateError, paymentRequired: PaymentRequired, receipt?: ReceiptOf): A
  /** A failure with the error's own status (499, 500, 502, 503, 504). */
  fail(error: TollgateError, receipt?: ReceiptOf): A
  /**
   * An answer kept for idempotent retries, served again; `replayed: false` for an answer made now in that form (a
   * refund's receipt), which is not marked as a replay (the HTTP renderer ignores it: its caller takes the header off).
   */
  replay(stored: StoredResponse, replayed?: boolean): A
}

/** What verification decided is a verified payment or the answer that refuses it (never a valid VerifyResult). */
export function isRefusal<A>(decided: VerifyResult | A): decided is A {
  return (decided as VerifyResult).isValid !== true
}

export const httpRenderer: Renderer<Response> = {
  refuse: (error, paymentRequired, receipt) => send402(render402(paymentRequired, error.reason), paymentRequired, { receipt }),
  fail: sendError,
  replay: replayResponse,
}

/** The answer to a failure the state machine did not expect (or a Store that is down): nothing was charged. */
export function unexpectedError(error: unknown): TollgateError {
  return isTollgateError(error) ? error : new TollgateError('handler_error', 'The paywall failed unexpectedly; nothing was charged.', {}, { cause: error })
}
