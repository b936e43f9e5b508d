// What `tollgate` exits with, so scripts can tell a payment that went through from one that did not, and why.
export const EXIT = {
  /** Done: paid (or nothing to pay) and the server answered 2xx/3xx; inspect and decode succeeded. */
  ok: 0,
  /** Anything else: a network error, an unreadable 402 or header, a payer failure, a 4xx/5xx answer (other than 402). */
  failed: 1,
  /** Bad arguments, or no key in the environment. */
  usage: 2,
  /** The server refused the payment (it answered 402 again after paying; nothing more was paid). */
  refused: 3,
  /** The price is above the spend cap (--max, default $0.10); nothing was paid. */
  overCap: 4,
  /** No offer can be paid with the keys given (scheme, network or plan not payable). */
  noPayableOffer: 5,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]
