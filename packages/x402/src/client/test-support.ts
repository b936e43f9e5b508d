// Test helpers for the client's tests (not exported): a payer backed by the test facilitator, and a server
// that records what it was sent.
import type { TestFacilitator } from '../testing/facilitator.js'
import type { FetchLike } from './wrap-fetch.js'
import type { Offer, Payer } from './types.js'

/** Pays any offer with a token minted by the test facilitator, for `payer`; counts its payments. */
export function testPayer(facilitator: TestFacilitator, payer = '0xBuyer', name = 'test'): Payer & { paid: Offer[] } {
  const paid: Offer[] = []
  return {
    name,
    paid,
    canPay: () => true,
    async pay({ offer }) {
      paid.push(offer)
      return facilitator.mint({
        requirements: offer.requirements,
        payer,
        x402Version: offer.x402Version,
        ...(offer.x402Version === 2 ? { resource: offer.resource } : {}),
      })
    },
  }
}

/** Wraps a fetch-style handler so each request it receives is kept (a clone: bodies stay readable). */
export function recording(handler: (request: Request) => Promise<Response>): FetchLike & { requests: Request[] } {
  const requests: Request[] = []
  const fetchLike = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    requests.push(request.clone())
    return handler(request)
  }
  return Object.assign(fetchLike, { requests })
}

/** A v1-only server: the same answers without the PAYMENT-REQUIRED header (v1 clients read the body). */
export function v1Only(handler: (request: Request) => Promise<Response>): (request: Request) => Promise<Response> {
  return async (request) => {
    const response = await handler(request)
    if (response.status !== 402) return response
    const headers = new Headers(response.headers)
    headers.delete('PAYMENT-REQUIRED')
    return new Response(response.body, { status: 402, headers })
  }
}
