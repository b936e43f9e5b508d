// Prices and atomic amounts as decimal strings and bigints. Never floats: 0.1 + 0.2 is not 0.3, and a
// payment must be exactly what the payer signed.
import { TollgateError } from '../errors.js'

export interface AmountCheckOptions {
  /** Accept 0 (default false: a zero price is almost always a configuration mistake). */
  allowZero?: boolean
}

/** The largest amount an EVM token transfer can carry (uint256). */
const UINT256_MAX = (1n << 256n) - 1n
/** ERC-20 `decimals` is a uint8. */
const MAX_DECIMALS = 255
const HUMAN_AMOUNT = /^(\d+)(?:\.(\d+))?$/
const ATOMIC_AMOUNT = /^\d+$/
const SCIENTIFIC = /^[+-]?(\d+\.?\d*|\.\d+)e[+-]?\d+$/i

/**
 * A human price ("$0.01", "0.01", "1", 1.5) to atomic units of a token with `decimals` decimals.
 * A bigint is taken as atomic units already. A number is read through `String(n)` and refused when that
 * needs an exponent (1e-7, 1e21): pass a string then. Trailing zeros past `decimals` are harmless
 * ("0.0100000" at 6 decimals is 10000); any other digit there is too precise to pay and is refused.
 */
export function parsePrice(
  price: string | number | bigint,
  decimals: number,
  path?: string,
  options: AmountCheckOptions = {},
): bigint {
  checkDecimals(decimals, path)
  return priceToAtomic(price, decimals, path, options)
}

/** parsePrice for `decimals` already checked (the option factories resolve and check them first). */
export function priceToAtomic(price: string | number | bigint, decimals: number, path?: string, options: AmountCheckOptions = {}): bigint {
  if (typeof price === 'bigint') return checkRange(price, price, path, options)
  const text = typeof price === 'number' ? numberToText(price, path) : price
  if (typeof text !== 'string') {
    throw invalidPrice(price, path, `expected a string like "$0.01", a number or a bigint, got ${typeName(price)}`)
  }
  const trimmed = text.trim()
  const body = trimmed.startsWith('$') ? trimmed.slice(1) : trimmed
  if (body === '') throw invalidPrice(price, path, 'it is empty')
  if (body.startsWith('-') || trimmed.startsWith('-')) throw invalidPrice(price, path, 'it is negative')
  if (SCIENTIFIC.test(body)) throw invalidPrice(price, path, 'scientific notation is not accepted; write the decimal digits')
  const match = HUMAN_AMOUNT.exec(body)
  if (!match) throw invalidPrice(price, path, 'it is not a decimal number (expected "$0.01", "0.01" or "1")')
  const whole = match[1] ?? '0'
  const fraction = (match[2] ?? '').replace(/0+$/, '')
  if (fraction.length > decimals) {
    throw invalidPrice(
      price,
      path,
      // The smallest unit, formatUnits(1n, decimals) written out: 1 at 0 decimals, else 0.0...01.
      `it has more than ${decimals} decimal places, so it cannot be paid exactly (the smallest unit is ${decimals === 0 ? '1' : `0.${'1'.padStart(decimals, '0')}`})`,
    )
  }
  return checkRange(BigInt(whole + fraction.padEnd(decimals, '0')), price, path, options)
}

/**
 * Atomic units given directly: a decimal integer string ("10000"), a bigint, or a safe integer number.
 * No `$`, no decimal point, no exponent.
 */
export function parseAtomic(value: string | bigint | number, path?: string, options: AmountCheckOptions = {}): bigint {
  if (typeof value === 'bigint') return checkRange(value, value, path, options)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidPrice(value, path, 'it is not a finite number')
    if (value < 0) throw invalidPrice(value, path, 'it is negative')
    if (!Number.isInteger(value)) {
      throw invalidPrice(value, path, 'atomic units must be a whole number (a human price such as "$0.01" goes in `price`)')
    }
    if (!Number.isSafeInteger(value)) throw invalidPrice(value, path, 'it is above 2^53 - 1; pass a string or a bigint')
    return checkRange(BigInt(value), value, path, options)
  }
  if (typeof value !== 'string') {
    throw invalidPrice(value, path, `expected a decimal integer string, a bigint or an integer number, got ${typeName(value)}`)
  }
  if (value.trim() === '') throw invalidPrice(value, path, 'it is empty')
  if (value.trim().startsWith('-')) throw invalidPrice(value, path, 'it is negative')
  if (SCIENTIFIC.test(value)) throw invalidPrice(value, path, 'scientific notation is not accepted; write the decimal digits')
  if (!ATOMIC_AMOUNT.test(value)) {
    throw invalidPrice(value, path, 'atomic units must be a decimal integer string such as "10000" (no "$", no decimal point)')
  }
  return checkRange(BigInt(value), value, path, options)
}

/** Atomic units to a human decimal string: ("10000", 6) -> "0.01", (1500000n, 6) -> "1.5". For display. */
export function formatUnits(atomic: bigint | string, decimals: number): string {
  checkDecimals(decimals)
  const digits = parseAtomic(atomic, undefined, { allowZero: true }).toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '')
  return fraction === '' ? whole : `${whole}.${fraction}`
}

function numberToText(value: number, path: string | undefined): string {
  if (!Number.isFinite(value)) throw invalidPrice(value, path, 'it is not a finite number')
  if (value < 0) throw invalidPrice(value, path, 'it is negative')
  const text = String(value)
  if (/e/i.test(text)) {
    throw invalidPrice(value, path, `the number prints as ${text}, which needs an exponent; pass the price as a decimal string`)
  }
  return text
}

function checkRange(atomic: bigint, input: unknown, path: string | undefined, options: AmountCheckOptions): bigint {
  if (atomic < 0n) throw invalidPrice(input, path, 'it is negative')
  if (atomic === 0n && !options.allowZero) throw invalidPrice(input, path, 'it is zero')
  if (atomic > UINT256_MAX) throw invalidPrice(input, path, 'it is larger than a uint256 can hold')
  return atomic
}

function checkDecimals(decimals: number, path?: string): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new TollgateError('invalid_payment_option', `decimals must be an integer from 0 to ${MAX_DECIMALS}, got ${String(decimals)}.`, {
      path: path === undefined ? 'decimals' : `${path}.decimals`,
      expected: `an integer from 0 to ${MAX_DECIMALS}`,
    })
  }
}

function invalidPrice(input: unknown, path: string | undefined, problem: string): TollgateError {
  const where = path === undefined ? '' : ` at ${path}`
  const shown = typeof input === 'string' ? JSON.stringify(input) : typeof input === 'bigint' ? `${input}n` : String(input)
  const details = path === undefined ? { expected: 'a positive amount' } : { path, expected: 'a positive amount' }
  return new TollgateError('invalid_price', `Invalid amount ${shown}${where}: ${problem}.`, details)
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}
