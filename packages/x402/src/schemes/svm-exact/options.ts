// svmExact(): pay a fixed amount of an SPL token (USDC by default) on Solana, and exact(), which takes EVM and
// Solana networks alike. Validates everything when called, so a bad route fails at start-up with its field.
import type { PaymentRequirements } from '../../codec/types.js'
import { parseAtomic, priceToAtomic } from '../../requirements/money.js'
import type { AmountFunction, AmountValue, PaymentOption } from '../../requirements/types.js'
import { exact as evmExact, type ExactOptions as EvmExactOptions } from '../evm-exact/options.js'
import { checkKeys, invalidOption, plainObject, positiveInteger, show } from '../option-checks.js'
import { solanaNetwork } from '../../svm/network.js'
import { MAX_MEMO_BYTES, USDC_DECIMALS, USDC_MINTS } from '../../svm/constants.js'
import { svmExactScheme } from './scheme.js'

export interface SvmExactOptions {
  /** A human price in whole tokens: "$0.01", "0.01", 0.01. Give exactly one of `price` and `amount`. */
  price?: string | number
  /** Atomic units ("10000", 10000n), or a function of the request returning them. */
  amount?: AmountValue | AmountFunction
  /** `solana`, `solana-devnet`, or CAIP-2 `solana:<genesis hash, first 32 characters>`; stored as CAIP-2. */
  network: string
  /** The seller's wallet (base58); the payment goes to its associated token account for the mint. */
  payTo: string
  /** The token's mint (base58), or `{ address, decimals }`. Default: USDC of the network (6 decimals). */
  asset?: string | { address: string; decimals: number }
  /** Decimals used to convert `price`; default the asset's (6 for USDC). */
  decimals?: number
  /** How long the buyer's transaction may take; default 60 (a blockhash lives about 90 s). */
  maxTimeoutSeconds?: number
  /**
   * Keys for `requirements.extra`: `feePayer` (the facilitator's fee payer, when the facilitator does not add it:
   * `localSvmFacilitator` does), `memo` (a reference the buyer's transaction must carry, at most 256 bytes).
   */
  extra?: Record<string, unknown>
}

const KEYS = ['price', 'amount', 'network', 'payTo', 'asset', 'decimals', 'maxTimeoutSeconds', 'extra']
const BASE58_ADDRESS = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/

/** Pay `price` (or `amount` atomic units) of an SPL token to `payTo` on Solana, as the x402 exact SVM scheme. */
export function svmExact(options: SvmExactOptions): PaymentOption {
  checkKeys('svmExact', options, KEYS)
  const network = solanaNetwork(options.network, 'network')
  const payTo = base58Address(options.payTo, 'payTo')
  const asset = resolveMint(options.asset, network)
  if (options.decimals !== undefined && options.decimals !== asset.decimals) {
    throw invalidOption('decimals', `decimals (${options.decimals}) disagrees with the asset's (${asset.decimals})`, 'one value')
  }
  const maxTimeoutSeconds = positiveInteger(options.maxTimeoutSeconds ?? 60, 'maxTimeoutSeconds')
  const extra = Object.freeze({ ...plainObject(options.extra, 'extra') })
  if (extra.feePayer !== undefined) base58Address(extra.feePayer, 'extra.feePayer')
  if (extra.memo !== undefined && (typeof extra.memo !== 'string' || new TextEncoder().encode(extra.memo).length > MAX_MEMO_BYTES)) {
    throw invalidOption('extra.memo', `extra.memo must be a string of at most ${MAX_MEMO_BYTES} bytes, got ${show(extra.memo)}`, 'a short string')
  }
  const amount = resolveAmount(options, asset.decimals)
  const requirements: PaymentRequirements = { scheme: 'exact', network }
  if (typeof amount === 'string') requirements.amount = amount
  requirements.asset = asset.address
  requirements.payTo = payTo
  requirements.maxTimeoutSeconds = maxTimeoutSeconds
  requirements.extra = extra
  return Object.freeze({ requirements: Object.freeze(requirements), amount, amountOnWire: true, singleUse: true, decimals: asset.decimals, scheme: svmExactScheme })
}

export type ExactOptions = EvmExactOptions | SvmExactOptions

/**
 * `exact` on any chain: Solana networks (`solana`, `solana-devnet`, `solana:...`) build `svmExact`, the others the
 * EVM `exact` of `@tollgate/x402`. Exported from `@tollgate/x402/svm`, so that EVM-only apps never load Solana code.
 */
export function exact(options: ExactOptions): PaymentOption {
  const network = (options as { network?: unknown })?.network
  return typeof network === 'string' && /^solana(:|-devnet$|$)/i.test(network.trim()) ? svmExact(options as SvmExactOptions) : evmExact(options as EvmExactOptions)
}

function resolveMint(asset: SvmExactOptions['asset'], network: string): { address: string; decimals: number } {
  if (asset === undefined) {
    const usdc = USDC_MINTS[network]
    if (!usdc) throw invalidOption('asset', `asset is required on ${network}: there is no default token there; give { address, decimals }`, 'a mint')
    return { address: usdc, decimals: USDC_DECIMALS }
  }
  if (typeof asset === 'string') return { address: base58Address(asset, 'asset'), decimals: USDC_DECIMALS }
  checkKeys('svmExact', asset, ['address', 'decimals'], 'asset')
  const { decimals } = asset
  if (!Number.isSafeInteger(decimals) || decimals < 0 || decimals > 18) throw invalidOption('asset.decimals', `asset.decimals must be 0 to 18, got ${show(decimals)}`, 'an integer')
  return { address: base58Address(asset.address, 'asset.address'), decimals }
}

function base58Address(value: unknown, path: string): string {
  if (typeof value !== 'string' || !BASE58_ADDRESS.test(value)) throw invalidOption(path, `${path} must be a Solana address (base58), got ${show(value)}`, 'a base58 address')
  return value
}

function resolveAmount(options: SvmExactOptions, decimals: number): string | AmountFunction {
  if ((options.price === undefined) === (options.amount === undefined)) {
    throw invalidOption(options.price === undefined ? 'price' : 'amount', 'give exactly one of `price` (a human price such as "$0.01") and `amount` (atomic units or a function)', 'price or amount')
  }
  if (options.price !== undefined) return priceToAtomic(options.price, decimals, 'price').toString()
  const amount = options.amount as AmountValue | AmountFunction
  return typeof amount === 'function' ? amount : parseAtomic(amount, 'amount').toString()
}
