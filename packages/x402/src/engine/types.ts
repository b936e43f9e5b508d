// Public types of the engine: options, the payment context handed to handlers, events, and the two-phase gate.
import type { PaymentRequirements, SettleResponse, X402Version } from '../codec/types.js'
import type { HeaderReader } from '../codec/headers.js'
import type { Facilitator } from '../facilitator/types.js'
import type { Routes } from '../requirements/types.js'
import type { SchemePaymentFields } from '../schemes/contract.js'
import type { Outbox, Store } from '../store/types.js'
import type { OutboxWorker, OutboxWorkerOptions } from './outbox-worker-types.js'

export interface PaywallOptions {
  /** `'METHOD /path'` (`:param` and `*` allowed; a bare path means any method) -> what the route accepts. */
  routes: Routes
  /** Who checks proofs and collects payments. */
  facilitator: Facilitator
  /** Deadline for one verify call, in ms. Default 10 000. A missed deadline answers 504. */
  verifyTimeoutMs?: number
  /** Deadline for one settle call, in ms. Default 30 000. */
  settleTimeoutMs?: number
  /** How long a successful verification is reused for the same token and offer, in ms. Default 10 000; 0 turns it off. */
  verifyCacheTtlMs?: number
  /** Shared state: verification cache, locks, consumed payments. Default: a bounded in-memory store. */
  store?: Store
  /** Largest proof header accepted, in bytes, checked before any decoding. Default 8192. */
  maxHeaderBytes?: number
  /** Honour X-Forwarded-Proto and X-Forwarded-Host when building the resource URL. Default false. */
  trustProxy?: boolean
  /** A fixed origin (and optional path prefix) for resource URLs, e.g. `https://api.example.com`. Wins over the request. */
  baseUrl?: string
  /** When to settle: after the handler returned a 2xx (default) or before it runs (irreversible handlers). */
  settle?: 'after' | 'before'
  /** When settlement fails after the handler ran: answer 402 (`'fail'`, default) or deliver anyway (`'deliver'`). */
  onSettleFailure?: 'fail' | 'deliver'
  /** Serve browsers (Accept: text/html) a small HTML page with the 402. Default true. */
  htmlPaywall?: boolean
  /**
   * Speculative handling: start the handler while the facilitator verifies a payment, and hold its answer until
   * verification succeeded (a refused payment gets its 402, the answer is dropped unread, `ctx.signal` aborts).
   * Default: on for GET routes only (read-only by HTTP's rules); `true` for every route, `false` for none; a
   * route's own `speculative` wins. Never with `settle: 'before'`. See docs/state-machine.md.
   */
  speculative?: boolean
  /** Called for every state transition. Carries a SHA-256 hash of the token, never the token. Must not throw. */
  onEvent?: (event: PaywallEvent) => void
  /**
   * Idempotent paid retries: keep paid responses so that a retry with the same single-use payment, or the same
   * `Idempotency-Key` from the same payer, gets the response again without paying twice. Default
   * `{ ttlMs: 600 000, maxBodyBytes: 65 536 }`; `false` turns it off. Larger bodies are not kept.
   */
  idempotency?: false | { ttlMs?: number; maxBodyBytes?: number }
  /**
   * Where settlements that failed for a transient reason under `onSettleFailure: 'deliver'` wait to be retried.
   * Default: in memory. Give `redisOutbox(...)` from @tollgate/redis to survive restarts.
   */
  outbox?: Outbox
  /** The outbox worker's pace. */
  outboxWorker?: OutboxWorkerOptions
}

/** Who paid and how much, for the handler; its scheme adds fields of its own (SchemePaymentFields: token, plan). */
export interface PaymentInfo extends SchemePaymentFields {
  /** The payer's address (or account id), as the facilitator reported it. */
  payer: string | undefined
  scheme: string
  network: string
  /** The verified amount: atomic units (exact) or credits (Nevermined), a decimal string. */
  amount: string
  /** Hex SHA-256 of the proof header value. */
  tokenHash: string
  x402Version: X402Version
  /** The offer the payer accepted. */
  requirements: PaymentRequirements
}

export interface PaymentContext {
  /** Who paid (`payment.payer`): the payer's address or account id; undefined on routes that are not paid. */
  readonly payer?: string | undefined
  /** The payment of this request (payer, scheme, network, amount); undefined on routes that are not paid. */
  readonly payment: PaymentInfo | undefined
  /**
   * The amount to settle, for usage-based prices (Nevermined credits, upto). Throws `charge_exceeds_verified` above
   * the verified amount (upto: the payer's maximum) and `charge_unsupported` for schemes that settle a fixed amount
   * (exact).
   */
  charge(amount: string | bigint | number): void
  /** The amount that will be settled: the verified amount, except on upto, where it is '0' until the handler charges. */
  readonly charged: string | undefined
  /**
   * Fields for this payment's settlement that only its facilitator knows (Nevermined: `{ batch, marginPercent }`),
   * handed to it as `SettleRequest.settleOptions`; later calls add to earlier ones. Throws `charge_unsupported` on
   * a request that is not paid.
   */
  settleWith(options: Record<string, unknown>): void
  /**
   * Aborted when the paywall refuses the work the handler is doing: a speculative run whose payment failed
   * verification. A handler that does costly work can stop early. Undefined on routes that are not paid.
   */
  readonly signal?: AbortSignal
}

export type PaywallEventType =
  | 'payment.required'
  | 'payment.rejected'
  | 'verify.start'
  | 'verify.cached'
  | 'verify.valid'
  | 'verify.invalid'
  | 'verify.error'
  | 'handler.error'
  | 'handler.passthrough'
  | 'client.aborted'
  | 'settle.start'
  | 'settle.success'
  | 'settle.failure'
  | 'settle.error'
  | 'settle.pending'
  | 'replay.served'
  | 'store.error'
  | 'outbox.enqueued'
  | 'outbox.retry'
  | 'outbox.settled'
  | 'outbox.failed'
  | 'outbox.expired'
  // A wallet sign-in (sign-in-with-x) let a payer in without paying again, or was refused.
  | 'signin.accepted'
  | 'signin.refused'
  // Batch-settlement claims (the scheme's claim service): a claim or a settle sweep sent, or one that failed.
  | 'batch.claimed'
  | 'batch.settled'
  | 'batch.failed'

export interface PaywallEvent {
  type: PaywallEventType
  /** The route key that matched, e.g. `GET /weather`. */
  route: string
  method: string
  /** The request path (no query). */
  path: string
  /** Hex SHA-256 of the proof header value, when there was one. */
  tokenHash?: string
  x402Version?: X402Version
  scheme?: string
  network?: string
  payer?: string
  amount?: string
  /** Why a payment was refused or failed: our code or the facilitator's reason string. */
  reason?: string
  /** The HTTP status answered, when the event ends a request. */
  status?: number
  transaction?: string
  /** Time the step took, for verify and settle. */
  durationMs?: number
  /** True when the handler ran (or runs) while verification was in flight (speculative handling). */
  speculative?: boolean
  /** batch.*: the channels a claim covered, with what each claim added and its new total claimed. */
  channels?: ReadonlyArray<{ channelId: string; amount?: string; totalClaimed?: string }>
  /** batch.failed: the step that failed (`claim` or the `settle` sweep), and the facilitator's message. */
  step?: 'claim' | 'settle'
  message?: string
  /**
   * batch.failed: what it means for its channels: `retry` (tried again at the next claim), `pending` (the transaction
   * is out; the next claim asks about it), `held` (the contract refuses the channel's row: not tried again until it
   * is charged again), `dropped` (the chain shows it can never be claimed as held: it left the list).
   */
  outcome?: 'retry' | 'pending' | 'held' | 'dropped'
  /** batch.*: the account whose money it is (the offer's payTo) and the token. */
  receiver?: string
  token?: string
  /** When the event happened (ms since the epoch). */
  at: number
}

/**
 * What an adapter tells `session.finish()` once the handler is done (phase two). One outcome per request:
 * - `head`: the handler's answer is decided (its status; its headers are the adapter's). A 2xx is settled; any
 *   other status passes through, settled nothing.
 * - `delivered`: the handler's answer is the paid result, for transports without statuses: as a `head` with a 2xx.
 * - `undelivered`: the handler answered, but not with the paid result (a tool result that is an error, an answer a
 *   schema refuses): nothing is settled, the answer goes out as it is. For transports without statuses.
 * - `threw`: the handler threw. Nothing is settled. `answered: true` when the framework or transport sends its own
 *   error answer (Fastify's error handler, an MCP tool error): that answer then goes out (`send`), unless a
 *   refusal of the payment replaces it. Without it the core answers 500.
 * - `left`: the client went away before the answer was decided: nothing is settled, the payment is released.
 */
export type Outcome =
  | { kind: 'head'; status: number }
  | { kind: 'delivered' }
  | { kind: 'undelivered' }
  | { kind: 'threw'; error: unknown; answered?: boolean }
  | { kind: 'left' }

/**
 * What `session.finish()` tells the adapter to do (phase two's one answer). `A` is the answer type: a Response
 * for HTTP, a `PaymentRefusal` for the structured entry.
 * - `send`: send the handler's answer, with these headers added (the receipt, caching headers; empty when
 *   nothing was settled). `receipt` is the settlement receipt as an object, when there is one.
 * - `replace`: drop the handler's answer unread and send this one instead (402 after a refused or failed
 *   payment, 499, 500, 502, 504); `receipt` when a settlement was tried and failed.
 * - `cut`: cut the connection (the client is gone, or the handler threw after its head went out).
 */
export type Instruction<A = Response> =
  | { kind: 'send'; headers: Readonly<Record<string, string>>; receipt?: SettleResponse }
  | { kind: 'replace'; response: A; receipt?: SettleResponse }
  | { kind: 'cut' }

/** @deprecated use `Instruction` (what `session.finish()` answers). The outcome of `session.settle(status)`. */
export type SettleOutcome =
  /** Send the handler's response, with these headers added (the receipt, caching headers). */
  | { ok: true; headers: Record<string, string>; receipt?: SettleResponse }
  /** Send this response instead (402 after a failed settlement, 502/504, 499). */
  | { ok: false; response: Response; receipt?: SettleResponse }

export interface PaymentSession {
  readonly ctx: PaymentContext
  readonly payment: PaymentInfo
  /**
   * Phase two, once: the handler's outcome in, what to send out. Settles a 2xx exactly once (after
   * verification, on a speculative run), releases the payment otherwise, and answers a speculative run's refusal
   * (402, 502, 504) instead of the handler's answer or its throw. Called again it returns the first instruction,
   * except that a throw or a departure after a `head` (or `delivered`) gets `cut` (the answer is already on its way).
   */
  finish(outcome: Outcome): Promise<Instruction>
  /**
   * After a `send` that settled: keeps the response (bounded, with a TTL) so that a retry with the same payment
   * or Idempotency-Key gets it again without paying twice. Returns the Response to send (same body, streamed).
   * Optional for adapters that cannot hand over a Response; `handle()` does it.
   */
  keep(response: Response): Response
  /** @deprecated read nothing from it: `finish()` applies the speculative rules. Whether verification runs alongside the handler. */
  readonly speculative: boolean
  /** @deprecated use `finish({ kind: 'head', status })`. Settles a 2xx exactly once and tells what to send. */
  settle(status: number, headers?: HeadersInit): Promise<SettleOutcome>
  /** @deprecated use `finish({ kind: 'threw', error })`, which answers the refusal itself. A speculative run's refusal, if any. */
  refusal(): Promise<Response | undefined>
  /** @deprecated use `finish({ kind: 'threw', error })`. Releases the payment; returns the 500 to send. */
  fail(error: unknown): Response
  /** @deprecated use `finish({ kind: 'left' })`. Releases the payment, nothing is settled. */
  abort(): void
}

/** What `paywall.check(request)` decided. */
export type Gate =
  | { kind: 'respond'; response: Response }
  | { kind: 'free'; ctx: PaymentContext }
  | { kind: 'paid'; session: PaymentSession }

/** For adapters: how to tell that the client went away, when the framework knows more cheaply than `request.signal`. */
export interface CheckOptions {
  /**
   * True once the client's connection is gone. Default: `request.signal.aborted`. On servers where reading
   * `request.signal` is costly (@hono/node-server builds a full Request for it), an adapter can probe the
   * connection itself.
   */
  isAborted?: () => boolean
  /**
   * Where to read the request's headers from. Default: `request.headers`. An adapter whose server has already
   * parsed them (Node's `IncomingMessage.headers`) can hand that over instead of building a Headers.
   */
  headers?: HeaderReader
}

export type NextHandler = (request: Request, ctx: PaymentContext) => Response | Promise<Response>

export interface Paywall {
  /** Run `next` behind the paywall and return the Response to send. */
  handle(request: Request, next: NextHandler, options?: CheckOptions): Promise<Response>
  /** Wrap a fetch-style handler. */
  protect(handler: NextHandler): (request: Request) => Promise<Response>
  /** Phase one for frameworks that are not fetch-shaped: a Response to send now, a free pass, or a session. */
  check(request: Request, options?: CheckOptions): Promise<Gate>
  /** The settlement outbox's worker: `drain()` settles what is due now; `start()`/`stop()` run it on a timer. */
  readonly outbox: OutboxWorker
  /**
   * Stops background work: the outbox worker, and the schemes' services (batch-settlement claims and settles what
   * its channels owe before this resolves).
   */
  close(): Promise<void>
}

/**
 * What an adapter's middleware or handler carries besides itself: `close()` is its paywall's `close()` (the outbox
 * worker stops; batch-settlement claims and settles what its channels hold). Call it on shutdown.
 */
export interface Closable {
  close(): Promise<void>
}
