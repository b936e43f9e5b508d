// The written-out Keccak-256 against viem's, on every length around the sizes the voucher check hashes and across blocks.
import { keccak256, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { keccak256Bytes } from './keccak.js'

describe('keccak256Bytes', () => {
  it('answers the known hashes of the empty input and of a short string', () => {
    expect(toHex(keccak256Bytes(new Uint8Array()))).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    expect(toHex(keccak256Bytes(new TextEncoder().encode('abc')))).toBe('0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45')
  })

  it('equals viem for every length from 0 to 420 bytes (one to four blocks, each padding case)', () => {
    let seed = 7
    for (let length = 0; length <= 420; length++) {
      const data = new Uint8Array(length)
      for (let i = 0; i < length; i++) data[i] = seed = (seed * 1103515245 + 12345) & 0xff
      expect(toHex(keccak256Bytes(data))).toBe(keccak256(data))
    }
  })
})
