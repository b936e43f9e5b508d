// exact(): pay a fixed amount of a token, with an EIP-3009 authorisation (default) or, for any ERC-20, a Permit2
// permit. Validates everything when called, so a bad route fails at start-up with the field it is about.
import type { PaymentRequirements } from '../../codec/types.js'
import { parseAtomic, priceToAtomic } from '../../requirements/money.js'
import type { AmountFunction, AmountValue, PaymentOption } from '../../requirements/types.js'
import { checkKeys, evmNetwork, invalidOption, plainObject, positiveInteger, show } from '../option-checks.js'
import { checkDomainField, checkPayTo, DEFAULT_MAX_TIMEOUT_SECONDS, domainKeys, resolveAsset, resolveDecimals, type ExactAsset } from './asset-options.js'
import { evmExact } from './scheme.js'

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

const EXACT_KEYS = ['price', 'amount', 'network', 'payTo', 'asset', 'decimals', 'maxTimeoutSeconds', 'extra', 'assetTransferMethod']
const TRANSFER_METHODS: readonly string[] = ['eip3009', 'permit2']

/**
 * Pay `price` (or `amount` atomic units) of a token to `payTo`: with an EIP-3009 authorisation (default), or for any
 * ERC-20 with a Permit2 permit (`assetTransferMethod: 'permit2'`).
 */
export function exact(options: ExactOptions): PaymentOption {
  checkKeys('exact', options, EXACT_KEYS)
  const network = evmNetwork('exact', options.network)
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
  return Object.freeze({ requirements: Object.freeze(requirements), amount, amountOnWire: true, singleUse: true, decimals, scheme: evmExact })
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
