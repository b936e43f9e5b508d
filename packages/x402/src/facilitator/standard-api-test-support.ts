// Tests only: any Facilitator answered over the standard x402 facilitator API (GET /supported, POST /verify,
// POST /settle), as a fetch handler to serve with test-support/server.ts, so httpFacilitator can be pointed at it.
import { encodeBase64Json } from '../codec/base64.js'
import type { PaymentPayload, PaymentRequirements } from '../codec/types.js'
import type { Facilitator, VerifyRequest } from './types.js'

export function standardApi(facilitator: Facilitator): (request: Request) => Promise<Response> {
  return async (request) => {
    const path = new URL(request.url).pathname
    const signal = AbortSignal.timeout(30_000)
    if (request.method === 'GET' && path === '/supported') {
      const kinds = (await facilitator.supported?.(signal)) ?? []
      // The reference's shape: the extension keys it handles, one list beside the kinds.
      const extensions = [...new Set(kinds.flatMap((kind) => (kind.x402Version === 2 && facilitator.supportedExtensions?.(kind)) || []))]
      return Response.json({ kinds, extensions, signers: {} })
    }
    if (request.method !== 'POST' || (path !== '/verify' && path !== '/settle')) return new Response('not found', { status: 404 })
    const body = (await request.json()) as { paymentPayload: PaymentPayload; paymentRequirements: PaymentRequirements }
    const token = encodeBase64Json(body.paymentPayload)
    const asked: VerifyRequest = {
      x402Version: 2,
      token,
      proof: { x402Version: 2, header: 'PAYMENT-SIGNATURE', raw: token, payload: body.paymentPayload } as VerifyRequest['proof'],
      requirements: body.paymentRequirements,
      paymentRequired: { x402Version: 2, resource: { url: '' }, accepts: [body.paymentRequirements] },
      amount: body.paymentRequirements.amount ?? '',
    }
    const answer = path === '/verify' ? await facilitator.verify(asked, signal) : await facilitator.settle({ ...asked, verification: { isValid: true } }, signal)
    return Response.json(answer)
  }
}
