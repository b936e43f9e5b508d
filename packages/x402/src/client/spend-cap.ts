// The most the paying fetch pays for one request. Amounts are compared in the offer's own atomic units,
// per asset: a cap in dollars only makes sense for a dollar token, so `$` means 6 decimals (USDC).
import { TollgateError } from '../errors.js'
import { parseAtomic, parsePrice } from '../requirements/money.js'
import type { Offer } from './types.js'

/**
 * A cap: atomic units (`100000n`, `100000`, `'100000'`), or dollars of a 6-decimals token such as USDC
 * (`'$0.10'`, which is 100000 atomic units).
 */
export type CapAmount = bigint | number | string

/** Caps per asset, with one for every other asset. */
export interface SpendCap {
  /** For offers whose asset (or plan) has no entry in `perAsset`. Default 100000: 0.10 USDC, as legacy x402-fetch. */
  default?: CapAmount
  /** Keyed by token contract address (any case) or Nevermined plan id. */
  perAsset?: Record<string, CapAmount>
}

/** The cap when none is given: 0.10 USDC (100000 atomic units at 6 decimals), as legacy x402-fetch. */
export const DEFAULT_MAX_AMOUNT = 100_000n

/** USDC and the other dollar tokens x402 uses have 6 decimals. */
const DOLLAR_DECIMALS = 6

export type CapVerdict =
  | { ok: true; amount: bigint | undefined }
  | { ok: false; amount: bigint; cap: bigint; key: string | undefined }
  | { ok: false; amount: undefined; cap: bigint; key: string | undefined; invalid: string }

export interface ResolvedSpendCap {
  /** Whether the offer's amount is within its cap. Offers with no amount (prepaid plan credits) always are. */
  check(offer: Offer): CapVerdict
  /** The cap that applies to the offer. */
  capFor(offer: Offer): bigint
}

/** Validates a cap once, at construction: a bad cap is a configuration error (`invalid_options`). */
export function resolveSpendCap(input: CapAmount | SpendCap | undefined, path = 'maxAmount'): ResolvedSpendCap {
  const spec: SpendCap = isCapAmount(input) ? { default: input } : (input ?? {})
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new TollgateError('invalid_options', `${path} must be an amount or { default?, perAsset? }.`, {
      path,
      expected: "atomic units ('100000'), dollars ('$0.10') or { default?, perAsset? }",
    })
  }
  const fallback = spec.default === undefined ? DEFAULT_MAX_AMOUNT : toCap(spec.default, `${path}.default`)
  const perAsset = new Map<string, bigint>()
  for (const [key, value] of Object.entries(spec.perAsset ?? {})) {
    perAsset.set(key.toLowerCase(), toCap(value, `${path}.perAsset[${JSON.stringify(key)}]`))
  }

  function keyOf(offer: Offer): string | undefined {
    const { asset, planId } = offer.requirements
    if (typeof asset === 'string' && asset !== '') return asset.toLowerCase()
    if (typeof planId === 'string' && planId !== '') return planId.toLowerCase()
    return undefined
  }

  function capFor(offer: Offer): bigint {
    const key = keyOf(offer)
    return (key === undefined ? undefined : perAsset.get(key)) ?? fallback
  }

  return {
    capFor,
    check(offer) {
      const key = keyOf(offer)
      const cap = capFor(offer)
      const raw = offer.requirements.amount
      if (raw === undefined) return { ok: true, amount: undefined }
      if (typeof raw !== 'string' || !/^\d+$/.test(raw)) {
        return { ok: false, amount: undefined, cap, key, invalid: `the offer's amount ${JSON.stringify(raw)} is not atomic units` }
      }
      const amount = BigInt(raw)
      return amount <= cap ? { ok: true, amount } : { ok: false, amount, cap, key }
    },
  }
}

/** One cap value to atomic units: `$` means dollars at 6 decimals; anything else is atomic units already. */
export function toCap(value: CapAmount, path: string): bigint {
  try {
    if (typeof value === 'string' && value.trim().startsWith('$')) return parsePrice(value, DOLLAR_DECIMALS, path, { allowZero: true })
    return parseAtomic(value, path, { allowZero: true })
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause)
    throw new TollgateError('invalid_options', `${path}: ${why}`, {
      path,
      expected: "atomic units ('100000', 100000n) or dollars of a 6-decimals token ('$0.10')",
    }, { cause })
  }
}

function isCapAmount(value: unknown): value is CapAmount {
  return typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string'
}
