// Test-only: one of our Facilitators seen as the reference @x402/core FacilitatorClient (what x402ResourceServer
// and the reference channel manager call), so that reference servers can verify and settle through it.
import type { FacilitatorClient } from '@x402/core/server'
import type { PaymentRequirements } from '../codec/types.js'
import type { Facilitator, SettleRequest } from '../facilitator/types.js'

type Calls = Array<{ endpoint: 'verify' | 'settle'; type: unknown; answer: Record<string, unknown> }>

/** `facilitator` behind the reference interface; `calls` records each verify and settle with the payload type. */
export function asReferenceFacilitator(facilitator: Facilitator, signers: string[]): { client: FacilitatorClient; calls: Calls } {
  const calls: Calls = []
  const requestOf = (paymentPayload: unknown, requirements: unknown): SettleRequest => {
    const offer = requirements as PaymentRequirements
    return {
      x402Version: 2,
      token: '',
      proof: { x402Version: 2, header: '', raw: '', payload: paymentPayload as never },
      requirements: offer,
      paymentRequired: { x402Version: 2, resource: { url: 'http://localhost/' }, accepts: [offer] },
      amount: offer.amount ?? '0',
      verification: { isValid: true },
    }
  }
  const typeOf = (payload: unknown) => (payload as { payload?: { type?: unknown } }).payload?.type
  const client: FacilitatorClient = {
    async verify(payload, requirements) {
      const answer = await facilitator.verify(requestOf(payload, requirements), new AbortController().signal)
      calls.push({ endpoint: 'verify', type: typeOf(payload), answer })
      return answer as never
    },
    async settle(payload, requirements) {
      const answer = await facilitator.settle(requestOf(payload, requirements), new AbortController().signal)
      calls.push({ endpoint: 'settle', type: typeOf(payload), answer })
      return answer as never
    },
    async getSupported() {
      const kinds = (await facilitator.supported?.(new AbortController().signal)) ?? []
      return { kinds, extensions: [], signers: { 'eip155:*': signers } } as never
    },
  }
  return { client, calls }
}
