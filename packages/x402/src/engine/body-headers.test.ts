import { describe, expect, it } from 'vitest'
import { isBodyHeader } from './body-headers.js'

describe('isBodyHeader', () => {
  it('claims the headers that describe a body or its caching', () => {
    for (const name of ['content-type', 'content-length', 'content-encoding', 'etag', 'last-modified', 'transfer-encoding', 'cache-control']) {
      expect(isBodyHeader(name)).toBe(true)
    }
  })

  it('leaves the others to the answer that replaces it', () => {
    for (const name of ['access-control-allow-origin', 'set-cookie', 'vary', 'x-etag', 'etag-x', 'payment-required', 'x-request-id']) {
      expect(isBodyHeader(name)).toBe(false)
    }
  })
})
