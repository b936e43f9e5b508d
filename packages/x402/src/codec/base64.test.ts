import { describe, expect, it } from 'vitest'
import { TollgateError } from '../errors.js'
import { base64ToBytes, bytesToBase64, decodeBase64, decodeBase64Json, encodeBase64, encodeBase64Json } from './base64.js'

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    return error instanceof TollgateError ? error.code : 'not a TollgateError'
  }
  return undefined
}

describe('encodeBase64', () => {
  it('writes standard base64 with padding', () => {
    expect(encodeBase64('a')).toBe('YQ==')
    expect(encodeBase64('ab')).toBe('YWI=')
    expect(encodeBase64('abc')).toBe('YWJj')
    expect(bytesToBase64(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('+/+/')
  })

  it('encodes text as UTF-8', () => {
    expect(encodeBase64('é')).toBe('w6k=')
    expect(encodeBase64('☕')).toBe('4piV')
  })

  it('handles inputs larger than one conversion chunk', () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 31) % 256)
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes)
  })
})

describe('decodeBase64', () => {
  it('reads standard, url-safe, padded and unpadded input', () => {
    expect(base64ToBytes('+/+/')).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]))
    expect(base64ToBytes('-_-_')).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]))
    expect(decodeBase64('YQ==')).toBe('a')
    expect(decodeBase64('YQ')).toBe('a')
    expect(decodeBase64('YWI=')).toBe('ab')
    expect(decodeBase64('YWI')).toBe('ab')
    expect(decodeBase64('')).toBe('')
  })

  it('reads input whose padding is short', () => {
    expect(decodeBase64('YQ=')).toBe('a')
    expect(decodeBase64('YWJjZA=')).toBe('abcd')
    expect(decodeBase64('YWJjZA')).toBe('abcd')
  })

  it('gives the same text on the ASCII fast path as through the UTF-8 decoder', () => {
    const ascii = JSON.stringify({ x402Version: 2, payload: { signature: '0x' + 'ab'.repeat(65) } })
    expect(decodeBase64(encodeBase64(ascii))).toBe(ascii)
    expect(encodeBase64(ascii)).toBe(bytesToBase64(new TextEncoder().encode(ascii)))
  })

  it('round-trips non-ASCII text', () => {
    const text = 'Prämie — 日本語 ☕ 🚀'
    expect(decodeBase64(encodeBase64(text))).toBe(text)
  })

  it('rejects text outside the base64 alphabets', () => {
    expect(codeOf(() => decodeBase64('YW$j'))).toBe('malformed_payment')
    expect(codeOf(() => decodeBase64('YW J'))).toBe('malformed_payment')
    expect(codeOf(() => decodeBase64('YW\nJj'))).toBe('malformed_payment')
  })

  it('rejects impossible lengths and misplaced padding', () => {
    expect(codeOf(() => decodeBase64('YWJjZ'))).toBe('malformed_payment') // length % 4 === 1
    expect(codeOf(() => decodeBase64('Y==='))).toBe('malformed_payment')
    expect(codeOf(() => decodeBase64('YQ==YQ=='))).toBe('malformed_payment')
  })

  it('rejects bytes that are not UTF-8', () => {
    const notUtf8 = bytesToBase64(new Uint8Array([0xff, 0xfe, 0x41]))
    expect(() => decodeBase64(notUtf8)).toThrow(/UTF-8/)
    expect(codeOf(() => decodeBase64(notUtf8))).toBe('malformed_payment')
  })
})

describe('base64 JSON', () => {
  it('round-trips a value, keeping key order', () => {
    const value = { z: 1, a: ['x', { é: true }], m: null }
    const encoded = encodeBase64Json(value)
    expect(encoded).toBe(encodeBase64(JSON.stringify(value)))
    expect(JSON.stringify(decodeBase64Json(encoded))).toBe(JSON.stringify(value))
  })

  it('rejects base64 that is not JSON', () => {
    expect(() => decodeBase64Json(encodeBase64('hello'))).toThrow(/not JSON/)
    expect(codeOf(() => decodeBase64Json(encodeBase64('{"a":')))).toBe('malformed_payment')
  })
})
