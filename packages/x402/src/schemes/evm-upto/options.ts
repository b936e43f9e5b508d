// upto(): usage-based token payments over Permit2. The payer authorises a maximum; the handler charges what the
// request used. Validates everything when called, so a bad route fails at start-up with the field it is about.
import type { PaymentRequirements } from '../../codec/types.js'
import { parseAtomic, priceToAtomic } from '../../requirements/money.js'
import type { AmountValue, PaymentOption } from '../../requirements/types.js'
import { checkAddress, checkKeys, evmNetwork, invalidOption, plainObject, positiveInteger } from '../option-checks.js'
import { checkPayTo, DEFAULT_MAX_TIMEOUT_SECONDS, domainKeys, resolveAsset, resolveDecimals, type ExactAsset } from '../evm-exact/asset-options.js'
import { evmUpto } from './scheme.js'

export interface UptoOptions {
  /** The most one request may cost, in whole tokens: "$0.05". Give exactly one of `maxPrice` and `maxAmount`. */
  maxPrice?: string | number
  /** The same in atomic units ("50000", 50000n). */
  maxAmount?: AmountValue
  /** CAIP-2 (`eip155:84532`) or a v1 name (`base-sepolia`); stored as CAIP-2. */
  network: string
  /** The address paid. */
  payTo: string
  /** The token (any ERC-20): an address, or `{ address, name, version, decimals }`. Default: USDC of the network. */
  asset?: string | ExactAsset
  /** Decimals used to convert `maxPrice`; default the asset's (6 for USDC). */
  decimals?: number
  /** How long the payer's permit must stay valid; default 300. */
  maxTimeoutSeconds?: number
  /**
   * The facilitator that settles, which the payer's permit names. Default: the paywall's facilitator says
   * (`localFacilitator` does); give it for an `httpFacilitator` (its /supported lists it as `extra.facilitatorAddress`).
   */
  facilitatorAddress?: string
  /** Extra keys for `requirements.extra`. */
  extra?: Record<string, unknown>
}

const UPTO_KEYS = ['maxPrice', 'maxAmount', 'network', 'payTo', 'asset', 'decimals', 'maxTimeoutSeconds', 'facilitatorAddress', 'extra']

/**
 * Usage-based: the payer authorises at most `maxPrice` (a Permit2 permit, any ERC-20); the handler reports what
 * the request cost with `ctx.charge(amount)` and only that is settled after a 2xx (nothing charged, nothing sent).
 */
export function upto(options: UptoOptions): PaymentOption {
  checkKeys('upto', options, UPTO_KEYS)
  const network = evmNetwork('upto', options.network)
  const payTo = checkPayTo(options.payTo)
  const asset = resolveAsset(options, network)
  const decimals = resolveDecimals(options.decimals, asset.decimals)
  const maxTimeoutSeconds = positiveInteger(options.maxTimeoutSeconds ?? DEFAULT_MAX_TIMEOUT_SECONDS, 'maxTimeoutSeconds')
  const hasPrice = options.maxPrice !== undefined
  if (hasPrice === (options.maxAmount !== undefined)) {
    throw invalidOption(hasPrice ? 'maxAmount' : 'maxPrice', 'give exactly one of `maxPrice` (such as "$0.05") and `maxAmount` (atomic units)', 'maxPrice or maxAmount')
  }
  const amount = hasPrice ? priceToAtomic(options.maxPrice as string | number, decimals, 'maxPrice').toString() : parseAtomic(options.maxAmount as AmountValue, 'maxAmount').toString()
  const more: Record<string, unknown> = { assetTransferMethod: 'permit2' }
  if (options.facilitatorAddress !== undefined) more.facilitatorAddress = checkAddress(options.facilitatorAddress, 'facilitatorAddress')
  const extra = Object.freeze(domainKeys(asset, { ...more, ...plainObject(options.extra, 'extra') }))
  const requirements: PaymentRequirements = { scheme: 'upto', network, amount, asset: asset.address, payTo, maxTimeoutSeconds, extra }
  return Object.freeze({ requirements: Object.freeze(requirements), amount, amountOnWire: true, singleUse: true, decimals, scheme: evmUpto })
}
