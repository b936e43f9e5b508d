import { describe, expect, it } from 'vitest'
import { hashToken } from './hash.js'

describe('hashToken', () => {
  it('is the hex SHA-256 of the token, the same with or without the fast path', async () => {
    // SHA-256("abc"), from FIPS 180-2.
    expect(await hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    const token = 'eyJ4NDAyVmVyc2lvbiI6Mn0=' + 'x'.repeat(500)
    const viaWebCrypto = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))).toString('hex')
    expect(await hashToken(token)).toBe(viaWebCrypto)
    expect(await hashToken(token)).toBe(viaWebCrypto) // memoised
  })
})
