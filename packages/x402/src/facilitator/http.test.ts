// httpFacilitator against a real facilitator: a node:http server on 127.0.0.1 that records every request and
// answers whatever each test tells it to (valid answers, refusals, 500s, garbage, hangs, redirects).
import { getEventListeners } from 'node:events'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { readProof } from '../codec/headers.js'
import type { DecodedProof } from '../codec/types.js'
import { createPaywall } from '../engine/paywall.js'
import type { NextHandler } from '../engine/types.js'
import { TollgateError } from '../errors.js'
import { exact } from '../requirements/options.js'
import { readVector } from '../test-support/vectors.js'
import { paidRequest, readReceipt } from '../testing/requests.js'
import { checkSupport } from './check-support.js'
import { httpFacilitator } from './http.js'
import type { HttpFacilitatorOptions } from './http-options.js'
import type { VerifyRequest } from './types.js'
import { rejection } from '../test-support/rejection.js'

const v2 = readVector('x402-v2.json')
const v1 = readVector('x402-v1.json')

const ORIGIN = 'https://api.example.com'
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const TX = '0x' + 'ab'.repeat(32)
const BEARER = 'Bearer eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXRva2VuLXRoYXQtbXVzdC1ub3QtbGVhaw.c2ln'

// ---------------------------------------------------------------------------------------------------------------
// The facilitator server

interface Recorded {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: any
}
type Answer = (res: ServerResponse, req: IncomingMessage) => void

function json(status: number, value: unknown, headers: Record<string, string> = {}): Answer {
  return (res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(typeof value === 'string' ? value : JSON.stringify(value))
  }
}
function text(status: number, body: string, contentType = 'text/plain'): Answer {
  return (res) => {
    res.writeHead(status, { 'content-type': contentType })
    res.end(body)
  }
}
function redirect(status: number, location: string): Answer {
  return (res) => {
    res.writeHead(status, { location })
    res.end()
  }
}
/** Never answers. */
const hang: Answer = () => {}
/** Sends the headers, then never finishes the body. */
const hangAfterHeaders: Answer = (res) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.write('{"isValid":')
}
function delayed(ms: number, answer: Answer): Answer {
  return (res, req) => void setTimeout(() => answer(res, req), ms)
}

const VALID = { isValid: true, payer: BUYER }
const SETTLED = { success: true, transaction: TX, network: 'eip155:84532', payer: BUYER }
const KINDS = [
  { x402Version: 2, scheme: 'exact', network: 'eip155:84532' },
  { x402Version: 1, scheme: 'exact', network: 'base-sepolia' },
]
const SUPPORTED = { kinds: KINDS, extensions: [], signers: {} }

async function startFacilitatorServer() {
  const requests: Recorded[] = []
  const answers = new Map<string, Answer>()
  const defaults = new Map<string, Answer>([
    ['POST /verify', json(200, VALID)],
    ['POST /settle', json(200, SETTLED)],
    ['GET /supported', json(200, SUPPORTED)],
  ])
  const open = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    open.add(res)
    res.on('close', () => open.delete(res))
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (raw += chunk))
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname
      let body: unknown
      try {
        body = raw ? JSON.parse(raw) : undefined
      } catch {
        body = raw
      }
      requests.push({ method: req.method ?? '', path, headers: req.headers, body })
      const key = `${req.method} ${path}`
      const answer = answers.get(key) ?? defaults.get(key) ?? json(404, { error: 'not found' })
      answer(res, req)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    requests,
    /** Answer `METHOD /path` this way from now on. */
    on(key: string, answer: Answer) {
      answers.set(key, answer)
    },
    reset() {
      requests.length = 0
      answers.clear()
      // End the hangs of the previous test; connections kept alive between answered calls stay usable.
      for (const res of open) res.destroy()
    },
    close() {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

let server: Awaited<ReturnType<typeof startFacilitatorServer>>
let other: Awaited<ReturnType<typeof startFacilitatorServer>>
beforeAll(async () => {
  server = await startFacilitatorServer()
  other = await startFacilitatorServer()
})
afterAll(async () => {
  await server.close()
  await other.close()
})
beforeEach(() => {
  server.reset()
  other.reset()
})

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

function facilitator(options: Partial<HttpFacilitatorOptions> = {}) {
  return httpFacilitator({ url: server.url, ...options })
}

function proofFrom(header: string, value: string): DecodedProof {
  const found = readProof(new Headers({ [header]: value }))
  if (!found?.ok) throw new Error('vector did not decode')
  return found.value
}

const v2Request: VerifyRequest = {
  x402Version: 2,
  token: v2.paymentSignatureHeader,
  proof: proofFrom('PAYMENT-SIGNATURE', v2.paymentSignatureHeader),
  requirements: v2.paymentRequired.accepts[0],
  paymentRequired: v2.paymentRequired,
  amount: '10000',
}
const v1Request: VerifyRequest = {
  x402Version: 1,
  token: v1.xPaymentHeader,
  proof: proofFrom('X-PAYMENT', v1.xPaymentHeader),
  requirements: v2.paymentRequired.accepts[0],
  requirementsV1: v1.body402.accepts[0],
  paymentRequired: v2.paymentRequired,
  amount: '10000',
}
const settleOf = (request: VerifyRequest) => ({ ...request, verification: VALID })

const never = () => new AbortController().signal

function deadline(ms: number): AbortSignal {
  const controller = new AbortController()
  setTimeout(() => controller.abort(new TollgateError('facilitator_timeout', `deadline of ${ms} ms`)), ms)
  return controller.signal
}


// Speculative handling off: these tests check that a failed verification never reaches the handler at all
// (engine/speculative.test.ts covers the GET default, where the handler's answer is held and dropped).
function paywallOver(options: Partial<HttpFacilitatorOptions> = {}, policies: { verifyTimeoutMs?: number } = {}) {
  const next = vi.fn<NextHandler>(async (_request, ctx) => Response.json({ paidBy: ctx.payment?.payer }))
  const paywall = createPaywall({
    routes: {
      'GET /premium': {
        accepts: exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO }),
        description: 'Premium data',
        mimeType: 'application/json',
      },
    },
    facilitator: facilitator(options),
    speculative: false,
    ...policies,
  })
  return { app: paywall.protect(next), next }
}

const paidV2 = () => paidRequest(`${ORIGIN}/premium`, v2.paymentSignatureHeader)
const paidV1 = () => paidRequest(`${ORIGIN}/premium`, v1.xPaymentHeader, { x402Version: 1 })

// ---------------------------------------------------------------------------------------------------------------

describe('construction', () => {
  it('fetches nothing until asked, so a facilitator that is down never blocks start-up', async () => {
    const made = facilitator()
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(server.requests).toHaveLength(0)
    expect(made.name).toBe(`http:${server.url}`)
  })

  it.each([
    ['not a url', 'url'],
    ['/relative/path', 'url'],
    ['ftp://facilitator.example', 'url'],
    ['https://user:secret@facilitator.example', 'url'],
    ['https://facilitator.example/?key=secret', 'url'],
  ])('refuses url %j', (url, path) => {
    const error = (() => {
      try {
        httpFacilitator({ url })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(TollgateError)
    expect((error as TollgateError).code).toBe('invalid_options')
    expect((error as TollgateError).details.path).toBe(path)
    expect((error as TollgateError).message).toMatch(/^httpFacilitator: option "url"/)
  })

  it.each([
    [{ headers: 42 }, 'headers'],
    [{ headers: { 'bad header': 'x' } }, 'headers'],
    [{ fetch: 'fetch' }, 'fetch'],
    [{ supportedTimeoutMs: 0 }, 'supportedTimeoutMs'],
    [{ supportedTtlMs: -1 }, 'supportedTtlMs'],
  ])('refuses %j', (options, path) => {
    expect(() => httpFacilitator({ url: 'https://facilitator.example', ...(options as object) })).toThrow(
      expect.objectContaining({ code: 'invalid_options', details: expect.objectContaining({ path }) }),
    )
  })

  it('calls endpoints under the base path, with or without a trailing slash', async () => {
    server.on('POST /base/verify', json(200, VALID))
    await httpFacilitator({ url: `${server.url}/base/` }).verify(v2Request, never())
    await httpFacilitator({ url: new URL(`${server.url}/base`) }).verify(v2Request, never())
    expect(server.requests.map((r) => r.path)).toEqual(['/base/verify', '/base/verify'])
  })

  it('uses the given fetch', async () => {
    const custom = vi.fn((input: string, init: RequestInit) => fetch(input, init))
    await facilitator({ fetch: custom }).verify(v2Request, never())
    expect(custom).toHaveBeenCalledOnce()
    expect(custom.mock.calls[0]?.[0]).toBe(`${server.url}/verify`)
  })
})

describe('request bodies', () => {
  it('v2: posts the decoded PAYMENT-SIGNATURE and the v2 requirements to /verify and /settle', async () => {
    const made = facilitator()
    expect(await made.verify(v2Request, never())).toEqual(VALID)
    expect(await made.settle(settleOf(v2Request), never())).toEqual(SETTLED)
    const expected = { x402Version: 2, paymentPayload: v2.paymentPayload, paymentRequirements: v2.paymentRequired.accepts[0] }
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /verify', 'POST /settle'])
    for (const request of server.requests) {
      expect(request.body).toEqual(expected)
      expect(request.headers['content-type']).toBe('application/json')
      expect(request.headers.accept).toBe('application/json')
    }
  })

  it('v1: posts the decoded X-PAYMENT and the v1 requirements (maxAmountRequired, network name)', async () => {
    const made = facilitator()
    await made.verify(v1Request, never())
    await made.settle(settleOf(v1Request), never())
    const expected = { x402Version: 1, paymentPayload: v1.xPayment, paymentRequirements: v1.body402.accepts[0] }
    expect(server.requests.map((r) => r.body)).toEqual([expected, expected])
  })

  it('refuses a v1 payment for an offer v1 cannot express, without calling the facilitator', async () => {
    const { requirementsV1: _, ...withoutV1 } = v1Request
    const error = await rejection(facilitator().verify(withoutV1, never()))
    expect(error.code).toBe('unsupported_version')
    expect(server.requests).toHaveLength(0)
  })
})

describe('auth headers', () => {
  it('sends a headers record on every endpoint', async () => {
    const made = facilitator({ headers: { Authorization: BEARER, 'X-Api-Key': 'key-1' } })
    await made.verify(v2Request, never())
    await made.settle(settleOf(v2Request), never())
    await made.supported()
    expect(server.requests.map((r) => [r.path, r.headers.authorization, r.headers['x-api-key']])).toEqual([
      ['/verify', BEARER, 'key-1'],
      ['/settle', BEARER, 'key-1'],
      ['/supported', BEARER, 'key-1'],
    ])
  })

  it('calls a headers function once per call, with the endpoint, to mint a token for each', async () => {
    let minted = 0
    const headers = vi.fn(async (endpoint: string) => ({ Authorization: `Bearer ${endpoint}-${++minted}` }))
    const made = facilitator({ headers })
    await made.verify(v2Request, never())
    await made.verify(v2Request, never())
    await made.settle(settleOf(v2Request), never())
    await made.supported()
    expect(headers.mock.calls.map((call) => call[0])).toEqual(['verify', 'verify', 'settle', 'supported'])
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer verify-1',
      'Bearer verify-2',
      'Bearer settle-3',
      'Bearer supported-4',
    ])
  })

  it('keeps an accept header the caller set, and always sends JSON as application/json', async () => {
    const made = facilitator({ headers: { Accept: 'application/vnd.x402+json', 'Content-Type': 'text/plain' } })
    await made.verify(v2Request, never())
    await made.supported()
    expect(server.requests.map((r) => [r.path, r.headers.accept, r.headers['content-type']])).toEqual([
      ['/verify', 'application/vnd.x402+json', 'application/json'],
      ['/supported', 'application/vnd.x402+json', 'text/plain'],
    ])
  })

  it('fails with facilitator_error, and calls nothing, when the headers function throws', async () => {
    const error = await rejection(
      facilitator({
        headers: () => {
          throw new Error('CDP key missing')
        },
      }).verify(v2Request, never()),
    )
    expect(error.code).toBe('facilitator_error')
    expect(error.details.error).toContain('CDP key missing')
    expect(server.requests).toHaveLength(0)
  })
})

describe('answers', () => {
  it('resolves an invalid payment (HTTP 200, isValid false) with the reason and extra keys verbatim', async () => {
    const answer = { isValid: false, invalidReason: 'insufficient_funds', invalidMessage: 'balance 0', payer: BUYER, network: 'eip155:84532' }
    server.on('POST /verify', json(200, answer))
    expect(await facilitator().verify(v2Request, never())).toEqual(answer)
  })

  it('takes a 4xx carrying a refusal as that refusal, but never a 4xx carrying a success', async () => {
    server.on('POST /verify', json(400, { isValid: false, invalidReason: 'invalid_exact_evm_payload_signature' }))
    expect(await facilitator().verify(v2Request, never())).toMatchObject({ isValid: false, invalidReason: 'invalid_exact_evm_payload_signature' })
    server.on('POST /settle', json(400, { success: false, transaction: '', network: 'eip155:84532', errorReason: 'nonce_already_used' }))
    expect(await facilitator().settle(settleOf(v2Request), never())).toMatchObject({ success: false, errorReason: 'nonce_already_used' })

    server.on('POST /verify', json(400, { isValid: true }))
    expect((await rejection(facilitator().verify(v2Request, never()))).code).toBe('facilitator_error')
    server.on('POST /settle', json(409, SETTLED))
    expect((await rejection(facilitator().settle(settleOf(v2Request), never()))).code).toBe('facilitator_error')
  })

  it('resolves a refused settlement (HTTP 200, success false)', async () => {
    const answer = { success: false, transaction: '', network: 'eip155:84532', errorReason: 'insufficient_funds' }
    server.on('POST /settle', json(200, answer))
    expect(await facilitator().settle(settleOf(v2Request), never())).toEqual(answer)
  })

  it("understands a remote facilitator's settlement_pending with its transaction, with a 200 or a 5xx (the reference sends 500)", async () => {
    const pending = { success: false, errorReason: 'settlement_pending', errorMessage: 'timed out', transaction: TX, network: 'eip155:84532', payer: BUYER }
    for (const status of [200, 500, 504]) {
      server.on('POST /settle', json(status, pending))
      expect(await facilitator().settle(settleOf(v2Request), never())).toEqual(pending)
    }
    // Without a transaction it names nothing to reconcile: a 5xx stays the facilitator's failure.
    server.on('POST /settle', json(500, { ...pending, transaction: '' }))
    expect((await rejection(facilitator().settle(settleOf(v2Request), never()))).code).toBe('facilitator_error')
  })

  it('turns a 500 into facilitator_error with its status and a short body snippet, with no token in it', async () => {
    const echo = `internal error while handling ${v2.paymentSignatureHeader} for ${BEARER} ` + 'x'.repeat(1000)
    server.on('POST /verify', json(500, { error: echo }))
    const error = await rejection(facilitator({ headers: { Authorization: BEARER } }).verify(v2Request, never()))
    expect(error.code).toBe('facilitator_error')
    expect(error.status).toBe(502)
    expect(error.details.facilitatorStatus).toBe(500)
    const body = String(error.details.body)
    expect(body).toContain('internal error while handling')
    expect(body.length).toBeLessThanOrEqual(201)
    expect(body).not.toContain(v2.paymentSignatureHeader.slice(0, 40))
    expect(body).not.toContain('eyJhbGciOiJFUzI1NiJ9')
    expect(error.message).not.toContain(v2.paymentSignatureHeader.slice(0, 40))
  })

  it('turns a proxy HTML error page into facilitator_error', async () => {
    server.on('POST /settle', text(502, '<html><body>Bad Gateway</body></html>', 'text/html'))
    const error = await rejection(facilitator().settle(settleOf(v2Request), never()))
    expect(error.code).toBe('facilitator_error')
    expect(error.details).toMatchObject({ facilitatorStatus: 502, endpoint: 'settle' })
    expect(error.details.body).toContain('Bad Gateway')
  })

  it('turns garbage into facilitator_bad_response', async () => {
    server.on('POST /verify', text(200, 'OK'))
    expect(await rejection(facilitator().verify(v2Request, never()))).toMatchObject({ code: 'facilitator_bad_response', status: 502 })

    server.on('POST /verify', json(200, { isValid: 'yes' }))
    const shape = await rejection(facilitator().verify(v2Request, never()))
    expect(shape.code).toBe('facilitator_bad_response')
    expect(shape.details.path).toBe('isValid')
    expect(shape.message).toContain('/verify with JSON of the wrong shape at isValid: expected a boolean.')

    server.on('POST /verify', json(200, []))
    expect((await rejection(facilitator().verify(v2Request, never()))).code).toBe('facilitator_bad_response')

    server.on('POST /settle', json(200, { success: true, transaction: TX }))
    const settle = await rejection(facilitator().settle(settleOf(v2Request), never()))
    expect(settle).toMatchObject({ code: 'facilitator_bad_response', details: { path: 'network' } })
    expect(settle.message).toContain('at network: expected a string.')

    server.on('GET /supported', json(200, { kinds: [{ x402Version: 2, scheme: 'exact' }] }))
    const supported = await rejection(facilitator().supported())
    expect(supported).toMatchObject({ code: 'facilitator_bad_response', details: { path: 'kinds[0].network' } })
  })

  it('refuses an answer larger than 1 MiB', async () => {
    server.on('POST /verify', json(200, { isValid: true, padding: 'x'.repeat(2 * 1024 * 1024) }))
    expect((await rejection(facilitator().verify(v2Request, never()))).code).toBe('facilitator_bad_response')
  })

  it('turns an unreachable facilitator into facilitator_error', async () => {
    const gone = await startFacilitatorServer()
    await gone.close()
    const error = await rejection(httpFacilitator({ url: gone.url }).verify(v2Request, never()))
    expect(error.code).toBe('facilitator_error')
    expect(error.details.error).toMatch(/ECONNREFUSED|fetch failed/)
  })
})

describe('deadlines', () => {
  it('stops waiting for a facilitator that never answers when the signal aborts, with the signal reason', async () => {
    server.on('POST /verify', hang)
    const started = Date.now()
    const error = await rejection(facilitator().verify(v2Request, deadline(100)))
    expect(error.code).toBe('facilitator_timeout')
    expect(error.message).toBe('deadline of 100 ms')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('stops reading a body that never ends', async () => {
    server.on('POST /settle', hangAfterHeaders)
    const started = Date.now()
    const error = await rejection(facilitator().settle(settleOf(v2Request), deadline(100)))
    expect(error.code).toBe('facilitator_timeout')
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('reports an abort without a TollgateError reason as facilitator_timeout', async () => {
    server.on('POST /verify', hang)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    expect((await rejection(facilitator().verify(v2Request, controller.signal))).code).toBe('facilitator_timeout')
  })

  it('gives /supported its own deadline', async () => {
    server.on('GET /supported', hang)
    const started = Date.now()
    const error = await rejection(facilitator({ supportedTimeoutMs: 100 }).supported())
    expect(error.code).toBe('facilitator_timeout')
    expect(error.details.timeoutMs).toBe(100)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('through createPaywall, a hanging /verify answers 504 within the deadline and serves nothing', async () => {
    server.on('POST /verify', hang)
    const { app, next } = paywallOver({}, { verifyTimeoutMs: 200 })
    const started = Date.now()
    const response = await app(paidV2())
    expect(response.status).toBe(504)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(next).not.toHaveBeenCalled()
  })

  it('gives fetch a signal of the call\'s own, aborted with the caller\'s reason, and leaves no listener on the caller\'s signal', async () => {
    const seen: AbortSignal[] = []
    const spy = (input: string, init: RequestInit) => {
      if (init.signal) seen.push(init.signal)
      return fetch(input, init)
    }
    // A signal shared by many calls, as the engine's deadline batches are: each call must take its listener back.
    const shared = new AbortController()
    const made = facilitator({ fetch: spy })
    await made.verify(v2Request, shared.signal)
    await made.settle(settleOf(v2Request), shared.signal)
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0)
    expect(seen).toHaveLength(2)
    expect(seen[0]).not.toBe(shared.signal)

    server.on('POST /verify', hang)
    const reason = new TollgateError('facilitator_timeout', 'deadline of 50 ms')
    setTimeout(() => shared.abort(reason), 50)
    expect(await rejection(made.verify(v2Request, shared.signal))).toBe(reason)
    expect(seen[2]?.aborted).toBe(true)
    expect(seen[2]?.reason).toBe(reason)
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0)
  })
})

describe('redirects', () => {
  it('follows one 308 hop with the same method, body and credentials', async () => {
    server.on('POST /old/verify', redirect(308, '/new/verify'))
    server.on('POST /new/verify', json(200, VALID))
    const made = httpFacilitator({ url: `${server.url}/old`, headers: { Authorization: BEARER } })
    expect(await made.verify(v2Request, never())).toEqual(VALID)
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /old/verify', 'POST /new/verify'])
    expect(server.requests[1]?.body).toEqual(server.requests[0]?.body)
    expect(server.requests[1]?.headers.authorization).toBe(BEARER)
  })

  it('follows up to 3 hops, and refuses a 4th', async () => {
    server.on('POST /a/verify', redirect(307, '/b/verify'))
    server.on('POST /b/verify', redirect(308, '/c/verify'))
    server.on('POST /c/verify', redirect(308, '/d/verify'))
    server.on('POST /d/verify', json(200, VALID))
    expect(await httpFacilitator({ url: `${server.url}/a` }).verify(v2Request, never())).toEqual(VALID)

    server.on('POST /z/verify', redirect(308, '/a/verify'))
    const error = await rejection(httpFacilitator({ url: `${server.url}/z` }).verify(v2Request, never()))
    expect(error.code).toBe('facilitator_error')
    expect(error.message).toContain('more than 3 redirects')
  })

  it('refuses a 308 loop', async () => {
    server.on('POST /verify', redirect(308, '/verify'))
    const error = await rejection(facilitator().verify(v2Request, never()))
    expect(error.code).toBe('facilitator_error')
    expect(error.message).toContain('loops')
    expect(server.requests).toHaveLength(1)

    server.reset()
    server.on('POST /ping/verify', redirect(308, '/pong/verify'))
    server.on('POST /pong/verify', redirect(308, '/ping/verify'))
    expect((await rejection(httpFacilitator({ url: `${server.url}/ping` }).verify(v2Request, never()))).message).toContain('loops')
    expect(server.requests).toHaveLength(2)
  })

  it('refuses a 301/302/303 for a POST (it would drop the payment), follows one for GET /supported', async () => {
    server.on('POST /verify', redirect(302, '/elsewhere'))
    expect((await rejection(facilitator().verify(v2Request, never()))).code).toBe('facilitator_error')
    server.on('GET /supported', redirect(301, '/v2/supported'))
    server.on('GET /v2/supported', json(200, SUPPORTED))
    expect(await facilitator().supported()).toEqual(KINDS)
  })

  it('does not send credentials to another origin', async () => {
    server.on('POST /verify', redirect(308, `${other.url}/verify`))
    await facilitator({ headers: { Authorization: BEARER } }).verify(v2Request, never())
    expect(server.requests[0]?.headers.authorization).toBe(BEARER)
    expect(other.requests).toHaveLength(1)
    expect(other.requests[0]?.headers.authorization).toBeUndefined()
    expect(other.requests[0]?.body).toEqual(server.requests[0]?.body)
  })

  it('through createPaywall, a 308 loop is a 502 and the request is not served', async () => {
    server.on('POST /verify', redirect(308, '/verify'))
    const { app, next } = paywallOver()
    const response = await app(paidV2())
    expect(response.status).toBe(502)
    expect(next).not.toHaveBeenCalled()
    expect(server.requests.filter((r) => r.path === '/settle')).toHaveLength(0)
  })
})

describe('/supported', () => {
  const gets = () => server.requests.filter((r) => r.path === '/supported').length
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('answers 20 concurrent callers with one GET', async () => {
    server.on('GET /supported', delayed(50, json(200, SUPPORTED)))
    const made = facilitator()
    const answers = await Promise.all(Array.from({ length: 20 }, () => made.supported()))
    expect(gets()).toBe(1)
    for (const kinds of answers) expect(kinds).toEqual(KINDS)
  })

  it('serves from memory within the TTL', async () => {
    const made = facilitator({ supportedTtlMs: 60_000 })
    await made.supported()
    await made.supported()
    expect(gets()).toBe(1)
  })

  it('after the TTL, serves the stale answer at once while one refresh runs', async () => {
    const made = facilitator({ supportedTtlMs: 150 })
    expect(await made.supported()).toEqual(KINDS)
    const newer = [...KINDS, { x402Version: 2, scheme: 'exact', network: 'eip155:8453' }]
    server.on('GET /supported', delayed(150, json(200, { kinds: newer })))
    await sleep(180)
    const started = Date.now()
    const during = await Promise.all([made.supported(), made.supported(), made.supported()])
    expect(Date.now() - started).toBeLessThan(100)
    for (const kinds of during) expect(kinds).toEqual(KINDS)
    await sleep(200) // the refresh has landed and is fresh again
    expect(await made.supported()).toEqual(newer)
    expect(gets()).toBe(2)
  })

  it('keeps the stale answer when a refresh fails, and retries later', async () => {
    const made = facilitator({ supportedTtlMs: 200 }) // a failed refresh is retried after min(TTL, 30 s)
    await made.supported()
    server.on('GET /supported', json(503, { error: 'down' }))
    await sleep(250)
    expect(await made.supported()).toEqual(KINDS) // stale: starts a refresh, which fails
    await sleep(30)
    expect(await made.supported()).toEqual(KINDS) // too soon to retry
    expect(gets()).toBe(2)
    const newer = [{ x402Version: 2, scheme: 'exact', network: 'eip155:8453' }]
    server.on('GET /supported', json(200, { kinds: newer }))
    await sleep(250)
    expect(await made.supported()).toEqual(KINDS) // the retry starts; the stale answer is still served
    await sleep(50)
    expect(await made.supported()).toEqual(newer)
    expect(gets()).toBe(3)
  })

  it('rejects when the first load fails, and tries again on the next call', async () => {
    server.on('GET /supported', json(500, 'oops'))
    const made = facilitator()
    expect((await rejection(made.supported())).code).toBe('facilitator_error')
    server.on('GET /supported', json(200, SUPPORTED))
    expect(await made.supported()).toEqual(KINDS)
  })

  it('lets one caller stop waiting without cancelling the shared load', async () => {
    server.on('GET /supported', delayed(150, json(200, SUPPORTED)))
    const made = facilitator()
    const impatient = made.supported(deadline(30))
    const patient = made.supported()
    expect((await rejection(impatient)).code).toBe('facilitator_timeout')
    expect(await patient).toEqual(KINDS)
    expect(gets()).toBe(1)
  })

  it('checkSupport passes routes the facilitator supports and names the route it does not', async () => {
    const made = facilitator()
    const testnet = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })
    const mainnet = exact({ price: '$0.01', network: 'base', payTo: PAY_TO })
    expect(await checkSupport(made, { 'GET /a': testnet }, { versions: [1, 2] })).toMatchObject({ checked: true })
    const error = await rejection(checkSupport(made, { 'GET /a': testnet, 'GET /b': mainnet }))
    expect(error.code).toBe('unsupported_payment_kind')
    expect(error.message).toContain('exact on eip155:8453 (x402 v2), accepted by routes["GET /b"]')
    expect(gets()).toBe(1)
  })
})

describe('end to end through createPaywall', () => {
  it('v2: a paid request is verified, served and settled, and carries the receipt', async () => {
    const { app, next } = paywallOver({ headers: (endpoint) => ({ Authorization: `Bearer ${endpoint}` }) })
    const response = await app(paidV2())
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ paidBy: BUYER })
    expect(readReceipt(response)).toMatchObject({ success: true, transaction: TX, network: 'eip155:84532' })
    expect(next).toHaveBeenCalledOnce()
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization}`)).toEqual([
      'POST /verify Bearer verify',
      'POST /settle Bearer settle',
    ])
    expect(server.requests[0]?.body).toEqual({ x402Version: 2, paymentPayload: v2.paymentPayload, paymentRequirements: v2.paymentRequired.accepts[0] })
  })

  it('v1: X-PAYMENT is verified in v1 shape and answered with X-PAYMENT-RESPONSE', async () => {
    const { app } = paywallOver()
    const response = await app(paidV1())
    expect(response.status).toBe(200)
    expect(response.headers.get('X-PAYMENT-RESPONSE')).not.toBeNull()
    expect(readReceipt(response)).toMatchObject({ success: true, transaction: TX })
    expect(server.requests[0]?.body).toEqual({ x402Version: 1, paymentPayload: v1.xPayment, paymentRequirements: v1.body402.accepts[0] })
  })

  it('an invalid payment is a 402 with the facilitator reason, and nothing is settled', async () => {
    server.on('POST /verify', json(200, { isValid: false, invalidReason: 'insufficient_funds' }))
    const { app, next } = paywallOver()
    const response = await app(paidV2())
    expect(response.status).toBe(402)
    expect(next).not.toHaveBeenCalled()
    expect(server.requests.map((r) => r.path)).toEqual(['/verify'])
  })

  it('a facilitator 500 or garbage on /verify is a 502, never a served request', async () => {
    server.on('POST /verify', json(500, { error: 'boom' }))
    const first = paywallOver()
    expect((await first.app(paidV2())).status).toBe(502)
    server.on('POST /verify', text(200, '<html>maintenance</html>', 'text/html'))
    const second = paywallOver()
    expect((await second.app(paidV2())).status).toBe(502)
    expect(first.next).not.toHaveBeenCalled()
    expect(second.next).not.toHaveBeenCalled()
  })
})
