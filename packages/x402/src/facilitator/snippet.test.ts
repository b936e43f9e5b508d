import { describe, expect, it } from 'vitest'
import { secretsOf, snippet } from './snippet.js'

describe('snippet', () => {
  it('keeps short text, collapses whitespace and cuts at 200 characters', () => {
    expect(snippet('  upstream\n  timed out ')).toBe('upstream timed out')
    const long = snippet('word '.repeat(100))
    expect(long.length).toBe(201)
    expect(long.endsWith('…')).toBe(true)
  })

  it('redacts the secrets it is given and anything token-like, but keeps addresses readable', () => {
    const address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJvcmdhbml6YXRpb24vMTIzIn0.c2lnbmF0dXJl'
    const out = snippet(`bad key api-key-123 for ${address}, token ${jwt}`, ['api-key-123'])
    expect(out).toBe(`bad key [redacted] for ${address}, token [redacted]`)
  })

  it('takes secrets from headers: whole values and their long words', () => {
    const secrets = secretsOf(new Headers({ authorization: 'Bearer abcdefghijkl', 'x-key': 'short' }))
    expect(secrets).toEqual(expect.arrayContaining(['Bearer abcdefghijkl', 'abcdefghijkl', 'short']))
    expect(snippet('you sent Bearer abcdefghijkl', secrets)).toBe('you sent [redacted]')
  })
})
