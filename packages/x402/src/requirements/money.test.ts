import { describe, it, expect } from 'vitest'
import { TollgateError } from '../errors.js'
import { formatUnits, parseAtomic, parsePrice } from './money.js'

function errorOf(fn: () => unknown): TollgateError {
  try {
    fn()
  } catch (error) {
    if (error instanceof TollgateError) return error
    throw error
  }
  throw new Error('expected a TollgateError')
}

describe('parsePrice', () => {
  it('converts dollar-style amounts to atomic units', () => {
    expect(parsePrice('$0.01', 6)).toBe(10000n)
    expect(parsePrice('0.01', 6)).toBe(10000n)
    expect(parsePrice('1', 6)).toBe(1000000n)
    expect(parsePrice('1.5', 6)).toBe(1500000n)
    expect(parsePrice('$0.000001', 6)).toBe(1n)
    expect(parsePrice('  $2  ', 6)).toBe(2000000n)
    expect(parsePrice('0.5', 18)).toBe(500000000000000000n)
  })

  it('reads numbers through their decimal text, never through float arithmetic', () => {
    expect(parsePrice(0.01, 6)).toBe(10000n)
    expect(parsePrice(1.1, 6)).toBe(1100000n)
    expect(parsePrice(3, 6)).toBe(3000000n)
    // 0.1 + 0.2 is 0.30000000000000004: too precise to pay exactly, so refused rather than rounded.
    expect(errorOf(() => parsePrice(0.1 + 0.2, 6)).code).toBe('invalid_price')
  })

  it('takes a bigint as atomic units already', () => {
    expect(parsePrice(10000n, 6)).toBe(10000n)
  })

  it('accepts trailing zeros past the precision, since they change nothing', () => {
    expect(parsePrice('0.0100000', 6)).toBe(10000n)
  })

  it.each([
    ['negative', '-0.01'],
    ['negative after $', '$-0.01'],
    ['negative bigint', -1n],
    ['negative number', -0.5],
    ['empty', ''],
    ['only a dollar sign', '$'],
    ['scientific', '1e-3'],
    ['scientific capital', '1E5'],
    ['number needing an exponent', 1e-7],
    ['huge number needing an exponent', 1e21],
    ['non-numeric', 'ten cents'],
    ['two points', '1.2.3'],
    ['comma', '1,5'],
    ['too precise', '$0.0000001'],
    ['zero', '$0'],
    ['zero with decimals', '0.000'],
    ['zero bigint', 0n],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('refuses %s (%s) with invalid_price and the path', (_label, price) => {
    const error = errorOf(() => parsePrice(price as string, 6, 'routes["GET /a"].price'))
    expect(error.code).toBe('invalid_price')
    expect(error.details.path).toBe('routes["GET /a"].price')
  })

  it('says why in the message', () => {
    expect(errorOf(() => parsePrice('$0.0000001', 6, 'price')).message).toMatch(/more than 6 decimal places.*0\.000001/)
    // The smallest unit it names is formatUnits(1n, decimals).
    for (const decimals of [0, 1, 6, 18]) {
      expect(errorOf(() => parsePrice(`0.${'0'.repeat(decimals)}1`, decimals)).message).toContain(`(the smallest unit is ${formatUnits(1n, decimals)})`)
    }
    expect(errorOf(() => parsePrice('1e-3', 6)).message).toMatch(/scientific notation/)
    expect(errorOf(() => parsePrice('-1', 6)).message).toMatch(/negative/)
    expect(errorOf(() => parsePrice('0', 6)).message).toMatch(/zero/)
  })

  it('allows zero only when asked', () => {
    expect(parsePrice('0', 6, 'price', { allowZero: true })).toBe(0n)
  })

  it('refuses amounts beyond uint256', () => {
    expect(errorOf(() => parsePrice((1n << 256n).toString(), 0)).message).toMatch(/uint256/)
  })

  it('refuses impossible decimals', () => {
    expect(errorOf(() => parsePrice('1', -1)).code).toBe('invalid_payment_option')
    expect(errorOf(() => parsePrice('1', 1.5)).code).toBe('invalid_payment_option')
  })
})

describe('parseAtomic', () => {
  it('accepts decimal integer strings, bigints and safe integers', () => {
    expect(parseAtomic('10000')).toBe(10000n)
    expect(parseAtomic(10000n)).toBe(10000n)
    expect(parseAtomic(10000)).toBe(10000n)
    expect(parseAtomic('115792089237316195423570985008687907853269984665640564039457584007913129639935')).toBe((1n << 256n) - 1n)
  })

  it.each([
    ['a human price', '$0.01'],
    ['a decimal point', '1.5'],
    ['a fractional number', 0.01],
    ['negative', '-5'],
    ['negative number', -5],
    ['empty', ''],
    ['scientific', '1e6'],
    ['an unsafe integer', 2 ** 53],
    ['zero', '0'],
    ['NaN', Number.NaN],
    ['Infinity', Number.NEGATIVE_INFINITY],
    ['an object', { amount: 1 }],
    ['null', null],
  ])('refuses %s', (_label, value) => {
    const error = errorOf(() => parseAtomic(value as string, 'amount'))
    expect(error.code).toBe('invalid_price')
    expect(error.details.path).toBe('amount')
  })

  it('points a fractional number at `price`', () => {
    expect(errorOf(() => parseAtomic(0.01)).message).toMatch(/price/)
  })

  it('allows zero only when asked', () => {
    expect(parseAtomic('0', undefined, { allowZero: true })).toBe(0n)
  })
})

describe('formatUnits', () => {
  it('writes atomic units as a human amount', () => {
    expect(formatUnits('10000', 6)).toBe('0.01')
    expect(formatUnits(1500000n, 6)).toBe('1.5')
    expect(formatUnits('1000000', 6)).toBe('1')
    expect(formatUnits(1n, 6)).toBe('0.000001')
    expect(formatUnits('0', 6)).toBe('0')
    expect(formatUnits('123', 0)).toBe('123')
  })

  it('round-trips with parsePrice', () => {
    for (const price of ['0.01', '1', '1.5', '123456.789012']) {
      expect(formatUnits(parsePrice(price, 6), 6)).toBe(price)
    }
  })

  it('refuses what is not atomic units', () => {
    expect(errorOf(() => formatUnits('0.5', 6)).code).toBe('invalid_price')
  })
})
