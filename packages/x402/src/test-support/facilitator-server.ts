// Tests only (Node): a Facilitator of this process served as the standard x402 facilitator API on 127.0.0.1
// (POST /verify, POST /settle, GET /supported: what httpFacilitator speaks). `fault` makes a call hang, fail with a
// 502 before the facilitator sees it, or lose the facilitator's answer (it did the work; the caller gets a 502).
import { serve } from '@hono/node-server'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PaymentRequirements } from '../codec/types.js'
import type { Facilitator, SettleRequest } from '../facilitator/types.js'

export type Fault = 'hang' | 'error' | 'lose-answer'

export interface FacilitatorCall {
  endpoint: 'verify' | 'settle'
  /** The batch-settlement payload's type (deposit, voucher, claim...), or the scheme's name. */
  type: string
  fault?: Fault
  answer?: Record<string, unknown>
}

export interface FacilitatorServer {
  url: string
  calls: FacilitatorCall[]
  /** The fault for the next calls that match (first match wins, used once). */
  inject(fault: Fault, match: { endpoint: 'verify' | 'settle'; type: string }): void
  close(): Promise<void>
}

interface StandardBody {
  paymentPayload: { x402Version: 2; payload?: { type?: string }; accepted?: { scheme?: string } }
  paymentRequirements: PaymentRequirements
}

function requestOf(body: StandardBody): SettleRequest {
  const offer = body.paymentRequirements
  return {
    x402Version: 2,
    token: '',
    proof: { x402Version: 2, header: '', raw: '', payload: body.paymentPayload as never },
    requirements: offer,
    paymentRequired: { x402Version: 2, resource: { url: 'http://localhost/' }, accepts: [offer] },
    amount: offer.amount ?? '0',
    verification: { isValid: true },
  }
}

export function serveFacilitator(facilitator: Facilitator): Promise<FacilitatorServer> {
  const calls: FacilitatorCall[] = []
  const faults: Array<{ fault: Fault; endpoint: string; type: string }> = []
  const hanging = new Set<() => void>()

  async function answer(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname
    const signal = new AbortController().signal
    if (request.method === 'GET' && path === '/supported') {
      return Response.json({ kinds: (await facilitator.supported?.(signal)) ?? [], extensions: [], signers: {} })
    }
    const endpoint = path === '/verify' ? 'verify' : path === '/settle' ? 'settle' : undefined
    if (request.method !== 'POST' || endpoint === undefined) return Response.json({ error: 'not found' }, { status: 404 })
    const body = (await request.json()) as StandardBody
    const type = body.paymentPayload.payload?.type ?? body.paymentRequirements.scheme
    const at = faults.findIndex((f) => f.endpoint === endpoint && f.type === type)
    const fault = at >= 0 ? faults.splice(at, 1)[0]!.fault : undefined
    const call: FacilitatorCall = { endpoint, type, ...(fault && { fault }) }
    calls.push(call)
    if (fault === 'hang') {
      // Held until the test's server closes: the caller's deadline gives up first.
      await new Promise<void>((resolve) => hanging.add(resolve))
      return Response.json({ error: 'closed' }, { status: 503 })
    }
    if (fault === 'error') return Response.json({ error: 'the facilitator failed' }, { status: 502 })
    const settleRequest = requestOf(body)
    const result = endpoint === 'verify' ? await facilitator.verify(settleRequest, signal) : await facilitator.settle(settleRequest, signal)
    call.answer = result as unknown as Record<string, unknown>
    if (fault === 'lose-answer') return Response.json({ error: 'the answer was lost' }, { status: 502 })
    return Response.json(result)
  }

  return new Promise((resolve) => {
    const server = serve({ fetch: answer, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        calls,
        inject: (fault, match) => void faults.push({ fault, ...match }),
        close: () =>
          new Promise<void>((done) => {
            for (const release of hanging) release()
            ;(server as Server).closeAllConnections?.()
            server.close(() => done())
          }),
      })
    })
  })
}
