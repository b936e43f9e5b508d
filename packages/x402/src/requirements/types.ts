// Payment options: what a route accepts, as plain data built by small factories (exact(), plan()).
import type { PaymentRequirements } from '../codec/types.js'
import type { Extension } from '../extensions/contract.js'
import type { Scheme } from '../schemes/contract.js'

/** A price a function may return: atomic units / credits as a decimal string, a bigint or a safe integer. */
export type AmountValue = string | bigint | number

/** A price that depends on the request (usage-based, per-model, per-size). */
export type AmountFunction = (request: Request) => AmountValue | Promise<AmountValue>

export interface PaymentOption {
  /** The offer as it appears in `accepts` (v2 shape), without `amount` when the amount is dynamic. */
  readonly requirements: PaymentRequirements
  /**
   * The amount to authorise: atomic units (exact) or credits (Nevermined), a decimal string,
   * or a function of the request evaluated per request.
   */
  readonly amount: string | AmountFunction
  /**
   * Whether the amount is written into `requirements.amount` on the wire (exact), or only sent to the
   * facilitator as the amount to authorise (Nevermined credits, which the 402 does not show).
   */
  readonly amountOnWire: boolean
  /**
   * Every proof for this option can be used once only (signed token payments). A scheme may still make some proofs
   * of a reusable option single-use (`scheme.replay`): Nevermined's v3 access tokens.
   */
  readonly singleUse: boolean
  /** Decimals of the asset, when known (6 for USDC); used for display only. */
  readonly decimals?: number
  /**
   * The scheme's rules (schemes/contract.ts), set by the factories (exact(), upto(), plan()). An option built by
   * hand without one gets the registered scheme of its wire name and network.
   */
  readonly scheme?: Scheme
}

/** What a route accepts: one option, several, or a config object with per-route policies. */
export interface RouteConfig {
  accepts: PaymentOption | readonly PaymentOption[]
  /** Shown in the 402's `resource.description`. */
  description?: string
  /** Shown in the 402's `resource.mimeType`. */
  mimeType?: string
  /** Per-route verify deadline in ms (default: the paywall's). */
  verifyTimeoutMs?: number
  /** Per-route settle deadline in ms (default: the paywall's). */
  settleTimeoutMs?: number
  /** `'before'` settles before the handler runs, for handlers with irreversible effects. */
  settle?: 'after' | 'before'
  /** What to do when settlement fails after the handler ran: `'fail'` (402, default) or `'deliver'`. */
  onSettleFailure?: 'fail' | 'deliver'
  /**
   * Start the handler while the facilitator verifies (its answer is held until verification succeeds). Default:
   * the paywall's `speculative`, else true for GET only. Only for handlers without side effects.
   */
  speculative?: boolean
  /**
   * The x402 extensions this route speaks (docs/extensions.md): `paymentIdentifier()` to deduplicate payments by
   * the id they carry, `bazaar({ ... })` to publish discovery metadata in the 402.
   */
  extensions?: readonly Extension[]
}

export type RouteSpec = PaymentOption | readonly PaymentOption[] | RouteConfig

/** `'METHOD /path'` or a bare `/path` (any method) -> what it accepts. */
export type Routes = Record<string, RouteSpec>
