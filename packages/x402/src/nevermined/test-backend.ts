// Test-only: a fake Nevermined backend on msw. It records every call (path, headers, body) and answers with the
// documented shapes from shared/vectors/nevermined.json unless a test scripts another answer.
import { HttpResponse, delay, http } from 'msw'
import { setupServer } from 'msw/node'
import { readVector } from '../test-support/vectors.js'

export const vector = readVector('nevermined.json')

/** A well-formed key; the JWT part is fake. */
export const API_KEY =
  'sandbox:eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0ZXN0LXNlbGxlciIsImlhdCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlLW5vdC1yZWFs'
export const BACKEND = 'https://api.sandbox.nevermined.app/'

export type Endpoint = 'verify' | 'settle' | 'permissions' | 'plan'

export interface RecordedCall {
  endpoint: Endpoint
  method: string
  url: string
  headers: Record<string, string>
  body: any
}

/** How to answer one call: JSON with a status, raw text, no answer at all, or a dropped connection. */
export type Answer =
  | { status?: number; json: unknown }
  | { status?: number; text: string }
  | { hang: true }
  | { networkError: true }
  | ((call: RecordedCall) => Answer)

const DEFAULT_ANSWERS: Record<Endpoint, Answer> = {
  verify: { json: vector.verifyResponse },
  settle: { json: vector.settleResponse },
  permissions: { status: 201, json: { accessToken: vector.accessToken } },
  // GET api/v1/protocol/plans/:planId, as the SDK's own tests mock getPlan: a crypto plan.
  plan: { json: { registry: { price: { isCrypto: true } } } },
}

export function fakeNevermined(backend = BACKEND) {
  const calls: RecordedCall[] = []
  const queued: Record<Endpoint, Answer[]> = { verify: [], settle: [], permissions: [], plan: [] }
  const fallback: Record<Endpoint, Answer> = { ...DEFAULT_ANSWERS }

  const handler = (endpoint: Endpoint) => {
    const route = endpoint === 'plan' ? http.get : http.post
    const path = endpoint === 'plan' ? 'api/v1/protocol/plans/:planId' : `api/v1/x402/${endpoint}`
    return route(new URL(path, backend).href, async ({ request }) => {
      const text = await request.text()
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        body = text
      }
      const call: RecordedCall = {
        endpoint,
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(request.headers.entries()),
        body,
      }
      calls.push(call)
      return respond(queued[endpoint].shift() ?? fallback[endpoint], call)
    })
  }

  const server = setupServer(handler('verify'), handler('settle'), handler('permissions'), handler('plan'))

  return {
    server,
    calls,
    /** Calls to one endpoint, in order. */
    callsTo: (endpoint: Endpoint) => calls.filter((call) => call.endpoint === endpoint),
    /** Answer the next call to `endpoint` with this (queue several by calling again). */
    next(endpoint: Endpoint, answer: Answer) {
      queued[endpoint].push(answer)
    },
    /** Answer every call to `endpoint` with this from now on. */
    always(endpoint: Endpoint, answer: Answer) {
      fallback[endpoint] = answer
    },
    reset() {
      calls.length = 0
      for (const endpoint of Object.keys(queued) as Endpoint[]) queued[endpoint].length = 0
      Object.assign(fallback, DEFAULT_ANSWERS)
    },
  }
}

async function respond(answer: Answer, call: RecordedCall): Promise<Response> {
  if (typeof answer === 'function') return respond(answer(call), call)
  if ('hang' in answer) {
    await delay('infinite')
    return HttpResponse.text('never')
  }
  if ('networkError' in answer) return HttpResponse.error()
  if ('text' in answer) return new HttpResponse(answer.text, { status: answer.status ?? 200, headers: { 'Content-Type': 'text/plain' } })
  return HttpResponse.json(answer.json as any, { status: answer.status ?? 200 })
}

/** A Nevermined error body, as the backend sends with a non-2xx status. */
export function nvmError(status: number, code: string, message = 'refused', hint = 'see the docs'): Answer {
  return { status, json: { code, message, hint } }
}

/** base64url JSON without padding, as Nevermined encodes access tokens. */
export function encodeToken(payload: unknown): string {
  return btoa(JSON.stringify(payload)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
