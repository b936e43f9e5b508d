// The payment option factories: exact() for token payments (EIP-3009, or Permit2 for any ERC-20), upto() for
// usage-based token payments (Permit2); plan() for Nevermined plans lives in schemes/nvm-plan/.
// Both validate everything when called, so a bad route fails at start-up with the field it is about.
import type { PaymentRequirements } from '../codec/types.js'
import { defaultAsset } from './assets.js'
import { parseAtomic, priceToAtomic } from './money.js'
import { toCaip2 } from './networks.js'
import type { AmountFunction, AmountValue, PaymentOption } from './types.js'
import { checkAddress, checkKeys, invalidOption, plainObject, positiveInteger, show } from '../schemes/option-checks.js'

export { plan } from '../schemes/nvm-plan/options.js'
export type { PlanOptions, PlanScheme } from '../schemes/nvm-plan/options.js'

/** A token given in full: address and the EIP-712 domain its signatures use. */
export interface ExactAsset {
  address: string
  /** EIP-712 domain name (USDC: "USD Coin" on most mainnets, "USDC" on some testnets). */
  name: string
  /** EIP-712 domain version. */
  version: string
  /** Token decimals, used to convert `price`; default 6. */
  decimals?: number
}

export interface ExactOptions {
  /** A human price in whole tokens: "$0.01", "0.01", 0.01. Give exactly one of `price` and `amount`. */
  price?: string | number
  /** Atomic units ("10000", 10000n), or a function of the request returning them, evaluated per request. */
  amount?: AmountValue | AmountFunction
  /** CAIP-2 (`eip155:84532`) or a v1 name (`base-sepolia`); stored as CAIP-2. */
  network: string
  /** The address paid, 0x + 40 hex digits; kept in the case given. */
  payTo: string
  /**
   * The token. Default: USDC of the network. An address string alone needs `extra.name` and
   * `extra.version` (the token's EIP-712 domain) and is taken to have 6 decimals unless `decimals` says otherwise.
   */
  asset?: string | ExactAsset
  /** Decimals used to convert `price`; default the asset's (6 for USDC). */
  decimals?: number
  /** How long the payer's authorisation must stay valid; default 300. */
  maxTimeoutSeconds?: number
  /** Extra keys for `requirements.extra`, merged over the asset's `{ name, version }`. */
  extra?: Record<string, unknown>
  /**
   * How the token moves, as the spec names it: `'eip3009'` (default: the token's own transferWithAuthorization,
   * USDC) or `'permit2'` (any ERC-20, through Permit2 and the x402 exact proxy; the payer approves Permit2 once).
   */
  assetTransferMethod?: 'eip3009' | 'permit2'
}

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

const DEFAULT_MAX_TIMEOUT_SECONDS = 300
const DEFAULT_TOKEN_DECIMALS = 6
const ZERO_ADDRESS = /^0x0{40}$/

const EXACT_KEYS = ['price', 'amount', 'network', 'payTo', 'asset', 'decimals', 'maxTimeoutSeconds', 'extra', 'assetTransferMethod']
const UPTO_KEYS = ['maxPrice', 'maxAmount', 'network', 'payTo', 'asset', 'decimals', 'maxTimeoutSeconds', 'facilitatorAddress', 'extra']
const TRANSFER_METHODS: readonly string[] = ['eip3009', 'permit2']
const ASSET_KEYS = ['address', 'name', 'version', 'decimals']

/**
 * Pay `price` (or `amount` atomic units) of a token to `payTo`: with an EIP-3009 authorisation (default), or for any
 * ERC-20 with a Permit2 permit (`assetTransferMethod: 'permit2'`).
 */
export function exact(options: ExactOptions): PaymentOption {
  checkKeys('exact', options, EXACT_KEYS)
  const network = toCaip2(options.network, 'network')
  const payTo = checkPayTo(options.payTo)
  const method = options.assetTransferMethod ?? 'eip3009'
  if (!TRANSFER_METHODS.includes(method)) {
    throw invalidOption('assetTransferMethod', `assetTransferMethod must be "eip3009" or "permit2", got ${show(method)}`, 'eip3009 | permit2')
  }
  const asset = resolveAsset(options, network)
  const decimals = resolveDecimals(options.decimals, asset.decimals)
  const maxTimeoutSeconds = positiveInteger(options.maxTimeoutSeconds ?? DEFAULT_MAX_TIMEOUT_SECONDS, 'maxTimeoutSeconds')
  const amount = resolveExactAmount(options, decimals)
  const extra: Record<string, unknown> =
    method === 'permit2'
      ? Object.freeze(domainKeys(asset, { assetTransferMethod: 'permit2', ...plainObject(options.extra, 'extra') }))
      : Object.freeze({ name: asset.name, version: asset.version, ...plainObject(options.extra, 'extra') })
  if (method === 'eip3009') {
    checkDomainField(extra.name, 'name')
    checkDomainField(extra.version, 'version')
  }

  const requirements: PaymentRequirements = { scheme: 'exact', network }
  if (typeof amount === 'string') requirements.amount = amount
  requirements.asset = asset.address
  requirements.payTo = payTo
  requirements.maxTimeoutSeconds = maxTimeoutSeconds
  requirements.extra = extra
  return Object.freeze({ requirements: Object.freeze(requirements), amount, amountOnWire: true, singleUse: true, decimals })
}

/**
 * Usage-based: the payer authorises at most `maxPrice` (a Permit2 permit, any ERC-20); the handler reports what
 * the request cost with `ctx.charge(amount)` and only that is settled after a 2xx (nothing charged, nothing sent).
 */
export function upto(options: UptoOptions): PaymentOption {
  checkKeys('upto', options, UPTO_KEYS)
  const network = toCaip2(options.network, 'network')
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
  return Object.freeze({ requirements: Object.freeze(requirements), amount, amountOnWire: true, singleUse: true, decimals })
}

/** The token's EIP-712 name and version when known (shown to payers, unused by Permit2), then `rest`. */
function domainKeys(asset: { name: unknown; version: unknown }, rest: Record<string, unknown>): Record<string, unknown> {
  const keys: Record<string, unknown> = {}
  if (typeof asset.name === 'string') keys.name = asset.name
  if (typeof asset.version === 'string') keys.version = asset.version
  return Object.assign(keys, rest)
}

function checkPayTo(value: unknown): string {
  const payTo = checkAddress(value, 'payTo')
  if (ZERO_ADDRESS.test(payTo)) throw invalidOption('payTo', 'payTo is the zero address: payments to it are burnt', 'the receiving address')
  return payTo
}

function resolveAsset(options: Pick<ExactOptions, 'asset'>, network: string): { address: string; name: unknown; version: unknown; decimals: number | undefined } {
  const { asset } = options
  if (asset === undefined) {
    const known = defaultAsset(network)
    if (!known) {
      throw invalidOption('asset', `asset is required on ${network}: there is no default token there; give { address, name, version, decimals }`, 'a token')
    }
    return known
  }
  if (typeof asset === 'string') {
    return { address: checkAddress(asset, 'asset'), name: undefined, version: undefined, decimals: undefined }
  }
  checkKeys('exact', asset, ASSET_KEYS, 'asset')
  return {
    address: checkAddress(asset.address, 'asset.address'),
    name: checkDomainField(asset.name, 'name', 'asset.name'),
    version: checkDomainField(asset.version, 'version', 'asset.version'),
    decimals: asset.decimals,
  }
}

function resolveDecimals(decimals: number | undefined, assetDecimals: number | undefined): number {
  if (decimals !== undefined && assetDecimals !== undefined && decimals !== assetDecimals) {
    throw invalidOption('decimals', `decimals (${decimals}) disagrees with asset.decimals (${assetDecimals})`, 'one value')
  }
  const value = decimals ?? assetDecimals ?? DEFAULT_TOKEN_DECIMALS
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw invalidOption(decimals === undefined ? 'asset.decimals' : 'decimals', `decimals must be an integer from 0 to 255, got ${show(value)}`, 'an integer from 0 to 255')
  }
  return value
}

function resolveExactAmount(options: ExactOptions, decimals: number): string | AmountFunction {
  const hasPrice = options.price !== undefined
  const hasAmount = options.amount !== undefined
  if (hasPrice === hasAmount) {
    throw invalidOption(
      hasPrice ? 'amount' : 'price',
      'give exactly one of `price` (a human price such as "$0.01") and `amount` (atomic units or a function)',
      'price or amount',
    )
  }
  if (options.price !== undefined) return priceToAtomic(options.price, decimals, 'price').toString()
  const amount = options.amount as AmountValue | AmountFunction
  return typeof amount === 'function' ? amount : parseAtomic(amount, 'amount').toString()
}

function checkDomainField(value: unknown, field: 'name' | 'version', path = `extra.${field}`): string {
  if (typeof value !== 'string' || value === '') {
    throw invalidOption(
      path,
      `${path} must be the token's EIP-712 domain ${field} (a non-empty string), got ${show(value)}; an asset given as a bare address needs extra.name and extra.version`,
      'a non-empty string',
    )
  }
  return value
}
