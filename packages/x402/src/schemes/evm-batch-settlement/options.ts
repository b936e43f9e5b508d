// batchSettlement(): pay per request from a channel the buyer funded once (x402 `batch-settlement` on EVM). The
// buyer deposits into the x402BatchSettlement escrow and signs a cumulative voucher per request; the seller checks
// it itself and claims many later. Validates everything when called, so a bad route fails at start-up.
import { getAddress } from 'viem'
import type { PaymentRequirements } from '../../codec/types.js'
import { MAX_WITHDRAW_DELAY, MIN_WITHDRAW_DELAY } from '../../evm/batch-settlement/constants.js'
import { parseAtomic, priceToAtomic } from '../../requirements/money.js'
import type { AmountValue, PaymentOption } from '../../requirements/types.js'
import { checkPayTo, checkDomainField, DEFAULT_MAX_TIMEOUT_SECONDS, resolveAsset, resolveDecimals, type ExactAsset } from '../evm-exact/asset-options.js'
import { checkAddress, checkKeys, evmNetwork, invalidOption, plainObject, positiveInteger, show } from '../option-checks.js'
import { claimService, resolveClaims, type BatchClaimsOptions } from './claims.js'
import type { ReceiverSigner } from './refund.js'
import { batchSchemeFor } from './scheme.js'

export interface BatchSettlementOptions {
  /** A fixed price per request in whole tokens ("$0.001"), charged unless the handler charges less. */
  price?: string | number
  /** A ceiling per request ("$0.01"): nothing is charged until the handler says what the request cost. */
  maxPrice?: string | number
  /** The same as `price`, in atomic units. */
  amount?: AmountValue
  /** The same as `maxPrice`, in atomic units. */
  maxAmount?: AmountValue
  /** CAIP-2 (`eip155:84532`) or an EVM network name. */
  network: string
  /** The address paid: the channel's receiver. */
  payTo: string
  /** The token: an address with `{ name, version }` (its EIP-712 domain), or USDC of the network by default. */
  asset?: string | ExactAsset
  /** Decimals used to convert a price; default the asset's (6 for USDC). */
  decimals?: number
  /** Seconds a buyer's timed withdrawal waits, which is the seller's time to claim: 900 (default) to 2,592,000. */
  withdrawDelay?: number
  /**
   * Who authorizes claims and refunds: an address (the facilitator that holds that key signs), or an account the
   * seller holds (a viem account: the seller signs). Default: the facilitator's own, when it names one.
   */
  receiverAuthorizer?: string | ReceiverSigner
  /** How long chain state read from the facilitator allows vouchers to be checked without it, in seconds; default 60. */
  stateTtlSeconds?: number
  /** How long the buyer's deposit authorization must stay valid; default 300. */
  maxTimeoutSeconds?: number
  /** Extra keys for `requirements.extra`. */
  extra?: Record<string, unknown>
  /**
   * When the paywall claims what its channels owe (one claim transaction for many, then the `settle` sweep), and
   * `paywall.close()` claims and settles everything held. Default: every 10 minutes, and at once on a withdrawal.
   * `false`: this paywall claims nothing and keeps no claim index (the seller claims elsewhere).
   */
  claims?: BatchClaimsOptions | false
}

const KEYS = ['price', 'maxPrice', 'amount', 'maxAmount', 'network', 'payTo', 'asset', 'decimals', 'withdrawDelay', 'receiverAuthorizer', 'stateTtlSeconds', 'maxTimeoutSeconds', 'extra', 'claims']
export const DEFAULT_WITHDRAW_DELAY = MIN_WITHDRAW_DELAY
const DEFAULT_STATE_TTL_SECONDS = 60

/**
 * Per-request payments on a funded channel: the buyer deposits once, then signs a cumulative voucher per request
 * that the seller checks with one signature recovery, with no chain transaction and usually no facilitator call.
 */
export function batchSettlement(options: BatchSettlementOptions): PaymentOption {
  checkKeys('batchSettlement', options, KEYS)
  const network = evmNetwork('batchSettlement', options.network)
  const payTo = checkPayTo(options.payTo)
  const asset = resolveAsset(options, network)
  const decimals = resolveDecimals(options.decimals, asset.decimals)
  const { amount, usage } = resolvePrice(options, decimals)
  const withdrawDelay = options.withdrawDelay ?? DEFAULT_WITHDRAW_DELAY
  if (!Number.isSafeInteger(withdrawDelay) || withdrawDelay < MIN_WITHDRAW_DELAY || withdrawDelay > MAX_WITHDRAW_DELAY) {
    throw invalidOption('withdrawDelay', `withdrawDelay must be whole seconds from ${MIN_WITHDRAW_DELAY} (15 minutes) to ${MAX_WITHDRAW_DELAY} (30 days), got ${show(withdrawDelay)}`, `${MIN_WITHDRAW_DELAY}..${MAX_WITHDRAW_DELAY}`)
  }
  const { address: receiverAuthorizer, signer } = resolveAuthorizer(options.receiverAuthorizer)
  const stateTtlSeconds = positiveInteger(options.stateTtlSeconds ?? DEFAULT_STATE_TTL_SECONDS, 'stateTtlSeconds')
  const extra: Record<string, unknown> = {
    ...(receiverAuthorizer === undefined ? {} : { receiverAuthorizer }),
    withdrawDelay,
    name: checkDomainField(asset.name, 'name', 'asset.name'),
    version: checkDomainField(asset.version, 'version', 'asset.version'),
    ...plainObject(options.extra, 'extra'),
  }
  const requirements: PaymentRequirements = {
    scheme: 'batch-settlement',
    network,
    amount,
    asset: asset.address,
    payTo,
    maxTimeoutSeconds: positiveInteger(options.maxTimeoutSeconds ?? DEFAULT_MAX_TIMEOUT_SECONDS, 'maxTimeoutSeconds'),
    extra: Object.freeze(extra),
  }
  const claims = resolveClaims(options.claims)
  const scheme = batchSchemeFor(usage ? 'usage' : 'at-most', { signer, freshMs: stateTtlSeconds * 1000, indexed: claims !== false }, claims ? claimService(claims, signer) : undefined)
  return Object.freeze({ requirements: Object.freeze(requirements), amount, amountOnWire: true, singleUse: false, decimals, scheme })
}

function resolvePrice(options: BatchSettlementOptions, decimals: number): { amount: string; usage: boolean } {
  const given = (['price', 'maxPrice', 'amount', 'maxAmount'] as const).filter((key) => options[key] !== undefined)
  if (given.length !== 1) {
    throw invalidOption(given[1] ?? 'price', 'give exactly one of `price`, `maxPrice` (such as "$0.001"), `amount` and `maxAmount` (atomic units)', 'price, maxPrice, amount or maxAmount')
  }
  const key = given[0]!
  const value = options[key]!
  const atomic = key === 'price' || key === 'maxPrice' ? priceToAtomic(value as string | number, decimals, key) : parseAtomic(value as AmountValue, key)
  return { amount: atomic.toString(), usage: key === 'maxPrice' || key === 'maxAmount' }
}

function resolveAuthorizer(value: BatchSettlementOptions['receiverAuthorizer']): { address: string | undefined; signer: ReceiverSigner | undefined } {
  if (value === undefined) return { address: undefined, signer: undefined }
  if (typeof value === 'string') return { address: getAddress(checkAddress(value, 'receiverAuthorizer')), signer: undefined }
  if (typeof value !== 'object' || value === null || typeof value.signTypedData !== 'function') {
    throw invalidOption('receiverAuthorizer', `receiverAuthorizer must be an address or an account that signs typed data, got ${show(value)}`, 'an address or an account')
  }
  return { address: getAddress(checkAddress(value.address, 'receiverAuthorizer.address')), signer: value }
}
