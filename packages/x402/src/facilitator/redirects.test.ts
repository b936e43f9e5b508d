import { describe, expect, it } from 'vitest'
import { TollgateError } from '../errors.js'
import { httpFacilitator } from './http.js'
import { redirectTarget } from './redirects.js'
import type { VerifyRequest } from './types.js'

const FROM = 'https://facilitator.example/verify'

function refusal(run: () => unknown): TollgateError {
  try {
    run()
  } catch (error) {
    if (error instanceof TollgateError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('redirectTarget', () => {
  it('resolves a relative Location against the current URL', () => {
    expect(redirectTarget('verify', 'POST', FROM, 308, '/v2/verify', [FROM])).toBe('https://facilitator.example/v2/verify')
  })

  it('refuses a downgrade from https to http, on any origin', () => {
    const same = refusal(() => redirectTarget('verify', 'POST', FROM, 308, 'http://facilitator.example/verify', [FROM]))
    expect(same.code).toBe('facilitator_error')
    expect(same.message).toContain('downgrades https to http')
    expect(refusal(() => redirectTarget('verify', 'POST', FROM, 307, 'http://elsewhere.example/verify', [FROM])).message).toContain('downgrades')
  })

  it('allows an upgrade from http to https', () => {
    expect(redirectTarget('verify', 'POST', 'http://f.example/verify', 308, 'https://f.example/verify', ['http://f.example/verify'])).toBe(
      'https://f.example/verify',
    )
  })

  it('refuses what is not an http(s) URL, a missing Location, and method-changing statuses for POST', () => {
    expect(refusal(() => redirectTarget('verify', 'POST', FROM, 308, 'javascript:alert(1)', [FROM])).message).toContain('javascript:')
    expect(refusal(() => redirectTarget('verify', 'POST', FROM, 308, null, [FROM])).message).toContain('no Location')
    for (const status of [301, 302, 303]) {
      expect(refusal(() => redirectTarget('verify', 'POST', FROM, status, '/x', [FROM])).message).toContain('turn the POST into a GET')
    }
    expect(redirectTarget('supported', 'GET', 'https://f.example/supported', 302, '/v2/supported', ['https://f.example/supported'])).toBe(
      'https://f.example/v2/supported',
    )
  })

  it('keeps query strings out of the details', () => {
    const error = refusal(() => redirectTarget('verify', 'POST', FROM, 308, FROM + '?sig=secret', [FROM + '?sig=secret']))
    expect(JSON.stringify(error.details)).not.toContain('secret')
  })
})

describe('httpFacilitator redirect policy on an https facilitator', () => {
  const request = {
    x402Version: 2,
    token: 'token',
    proof: { x402Version: 2, header: 'PAYMENT-SIGNATURE', raw: 'token', payload: { x402Version: 2, accepted: { scheme: 'exact', network: 'eip155:84532' }, payload: {} } },
    requirements: { scheme: 'exact', network: 'eip155:84532' },
    paymentRequired: { x402Version: 2, resource: { url: 'https://api.example.com/a' }, accepts: [{ scheme: 'exact', network: 'eip155:84532' }] },
    amount: '1',
  } satisfies VerifyRequest

  it('never follows a downgrade to http, so the payment is not verified', async () => {
    const seen: string[] = []
    const facilitator = httpFacilitator({
      url: 'https://facilitator.example',
      fetch: async (url) => {
        seen.push(url)
        if (url.startsWith('https:')) return new Response(null, { status: 308, headers: { location: 'http://facilitator.example/verify' } })
        return Response.json({ isValid: true })
      },
    })
    const error = await facilitator.verify(request, new AbortController().signal).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'facilitator_error', status: 502 })
    expect(seen).toEqual(['https://facilitator.example/verify'])
  })

  it('fails clearly where the runtime hides redirects (browser fetch: opaqueredirect)', async () => {
    const facilitator = httpFacilitator({
      url: 'https://facilitator.example',
      fetch: async () => ({ type: 'opaqueredirect', status: 0, headers: new Headers(), body: null }) as unknown as Response,
    })
    const error = await facilitator.verify(request, new AbortController().signal).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'facilitator_error' })
    expect((error as Error).message).toContain('hides where to')
  })
})
