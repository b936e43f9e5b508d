// What a paid tool accepts, for its definition in tools/list: fixed amounts as they will be asked, per-call
// amounts marked as such. Display only: the payment-required result is the offer that counts.
import { toPaywallOptions, type PaymentOption, type RouteSpec } from '@tollgate/x402'
import type { PaidToolOptions } from './options.js'

export interface ListedOffer {
  scheme: string
  network: string
  /** Atomic units (exact) when fixed; `'per-call'` when a function prices each call; absent for credit plans. */
  amount?: string
  asset?: string
  payTo?: string
  planId?: string
  decimals?: number
}

export function priceOf(options: PaidToolOptions): ListedOffer[] {
  const { resource: _resource, ...rest } = options
  const routes = toPaywallOptions(rest).routes
  return Object.values(routes).flatMap((spec) => optionsOf(spec).map(listed))
}

function optionsOf(spec: RouteSpec): readonly PaymentOption[] {
  if ('accepts' in spec) return Array.isArray(spec.accepts) ? spec.accepts : [spec.accepts as PaymentOption]
  return Array.isArray(spec) ? spec : [spec as PaymentOption]
}

function listed(option: PaymentOption): ListedOffer {
  const { scheme, network, asset, payTo, planId } = option.requirements
  const offer: ListedOffer = { scheme, network }
  if (typeof option.amount !== 'string') offer.amount = 'per-call'
  else if (option.amountOnWire) offer.amount = option.amount
  if (asset !== undefined) offer.asset = asset
  if (payTo !== undefined) offer.payTo = payTo
  if (planId !== undefined) offer.planId = planId
  if (option.decimals !== undefined) offer.decimals = option.decimals
  return offer
}
