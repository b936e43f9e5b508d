// What a paid request's session is made from: the verified (or verifying) payment, the route's policies, and the
// gate's hooks into the Store, the outbox and the idempotency keeper.
import type { DecodedProof, PaymentRequirements, SettleResponse } from '../codec/types.js'
import type { Facilitator, SettleRequest, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import type { Emit } from './events.js'
import type { Prepared, PreparedOffer } from './prepare.js'
import type { Renderer } from './render.js'
import type { PaywallEvent } from './types.js'

export interface SessionInput<A> {
  /** Whether the client has gone away (its connection closed). */
  isAborted: () => boolean
  prepared: Prepared
  offer: PreparedOffer
  proof: DecodedProof
  tokenHash: string
  verifyRequest: VerifyRequest
  /** The verified payment; undefined while a speculative run waits for `verdict`. */
  verification: VerifyResult | undefined
  /** Speculative handling: what verification will decide, the verified payment or the answer that refuses it. */
  verdict?: Promise<VerifyResult | A>
  /** Writes the session's answers: Responses for HTTP, objects for the structured entry. */
  render: Renderer<A>
  facilitator: Facilitator
  settleTimeoutMs: number
  onSettleFailure: 'fail' | 'deliver'
  emit: Emit | undefined
  /** The request's event fields (route, token hash, kind, speculative); the session adds the payer. */
  fields: () => Omit<PaywallEvent, 'type' | 'at'>
  /** Marks a single-use payment consumed (after a successful settlement); undefined for a reusable one. */
  consume: (() => Promise<void>) | undefined
  /**
   * Ends the payment's hold: releases the lock on a single-use payment. `kept` when it settled or is kept for a
   * later settlement; otherwise nothing was charged, and what the route's extensions took is given back too.
   */
  release: (kept?: boolean) => void
  /**
   * Queues a settlement for the outbox worker: one that failed for a transient reason ('deliver' only), one whose
   * `transaction` is pending, or a delivered one to `watch` until final.
   */
  enqueue: (request: SettleRequest, kept?: { transaction: string; watch?: boolean }) => Promise<void>
  /** Delivered settlements go to the outbox until final (an explicit outbox and a facilitator that watches). */
  watch: boolean
  /** A route with extensions: the receipt of a successful settlement with their parts (engine/extensions.ts). */
  settled?: ((receipt: SettleResponse, requirements: PaymentRequirements, payer: string | undefined) => Promise<SettleResponse>) | undefined
  /** Keeps a paid response for idempotent retries; returns the Response to send. */
  keep: (response: Response) => Response
}
