import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { rejection } from '../test-support/rejection.js'
import { TollgateError } from '../errors.js'
import type { SettleRequest, VerifyRequest } from '../facilitator/types.js'
import { nevermined } from './facilitator.js'
import { API_KEY, BACKEND, fakeNevermined, nvmError, vector } from './test-backend.js'

const backend = fakeNevermined()
beforeAll(() => backend.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  backend.reset()
  vi.unstubAllEnvs()
})
afterAll(() => backend.server.close())

const token: string = vector.accessToken
const JWT = API_KEY.slice(API_KEY.indexOf(':') + 1)

function verifyRequest(overrides: Partial<VerifyRequest> = {}): VerifyRequest {
  return {
    x402Version: 2,
    token,
    proof: { x402Version: 2, header: 'PAYMENT-SIGNATURE', raw: token, payload: vector.accessTokenDecoded },
    requirements: vector.paymentRequired.accepts[0],
    paymentRequired: vector.paymentRequired,
    amount: '1',
    ...overrides,
  }
}

function settleRequest(verification: Record<string, unknown> = vector.verifyResponse, overrides: Partial<VerifyRequest> = {}): SettleRequest {
  return { ...verifyRequest(overrides), verification: verification as SettleRequest['verification'] }
}

const signal = () => new AbortController().signal
const facilitator = () => nevermined({ apiKey: API_KEY })

/** Neither the key, its JWT nor the token may show in what an error carries. */
function expectNoSecrets(error: unknown) {
  const text = JSON.stringify({ message: (error as Error).message, details: (error as TollgateError).details })
  expect(text).not.toContain(JWT)
  expect(text).not.toContain(token)
}

describe('nevermined() verify', () => {
  it('posts the vector body to api/v1/x402/verify with the documented headers', async () => {
    const result = await facilitator().verify(verifyRequest(), signal())

    const [call] = backend.callsTo('verify')
    expect(call?.url).toBe(`${BACKEND}api/v1/x402/verify`)
    expect(call?.method).toBe('POST')
    expect(call?.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(call?.headers['content-type']).toBe('application/json')
    expect(call?.headers.accept).toBe('application/json')
    expect(call?.headers['nevermined-version']).toBe('1.1')
    expect(call?.body).toEqual({ ...vector.verifyRequestBody, x402AccessToken: token })
    expect(result).toEqual({ isValid: true, payer: vector.verifyResponse.payer, network: 'eip155:84532', agentRequestId: 'req_abc123' })
  })

  it('sends the amount to authorise as maxAmount, a decimal string', async () => {
    await facilitator().verify(verifyRequest({ amount: '25' }), signal())
    expect(backend.callsTo('verify')[0]?.body.maxAmount).toBe('25')
  })

  it('adds extensions: {} when the 402 has none, as the SDK does', async () => {
    const { extensions: _none, ...withoutExtensions } = vector.paymentRequired
    await facilitator().verify(verifyRequest({ paymentRequired: withoutExtensions }), signal())
    expect(backend.callsTo('verify')[0]?.body.paymentRequired).toEqual(vector.paymentRequired)
  })

  it('sends only the Nevermined offers of a 402 that also takes USDC, the same to verify and settle', async () => {
    const usdc = { scheme: 'exact', network: 'eip155:84532', amount: '10000', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', maxTimeoutSeconds: 300 }
    const mixed = { ...vector.paymentRequired, accepts: [usdc, ...vector.paymentRequired.accepts] }
    const f = facilitator()
    const verification = await f.verify(verifyRequest({ paymentRequired: mixed }), signal())
    await f.settle({ ...verifyRequest({ paymentRequired: mixed }), verification }, signal())
    expect(backend.callsTo('verify')[0]?.body.paymentRequired).toEqual(vector.paymentRequired)
    expect(backend.callsTo('settle')[0]?.body.paymentRequired).toEqual(vector.paymentRequired)
  })

  it('takes agentRequestId from agentRequest when the backend nests it', async () => {
    backend.next('verify', { json: { isValid: true, payer: '0xabc', agentRequest: { agentRequestId: 'req_nested', balance: '9' } } })
    const result = await facilitator().verify(verifyRequest(), signal())
    expect(result.agentRequestId).toBe('req_nested')
  })

  it('passes isValid:false answers through with their reason', async () => {
    backend.next('verify', { json: { isValid: false, invalidReason: 'insufficient_credits' } })
    const result = await facilitator().verify(verifyRequest(), signal())
    expect(result).toEqual({ isValid: false, invalidReason: 'insufficient_credits' })
  })

  it.each([400, 402, 403])('resolves isValid:false with the backend code for HTTP %i', async (status) => {
    backend.next('verify', nvmError(status, 'BCK.X402.0003', 'Token rejected', 'Regenerate the token'))
    const result = await facilitator().verify(verifyRequest(), signal())
    expect(result).toEqual({ isValid: false, invalidReason: 'BCK.X402.0003', invalidMessage: 'Token rejected Regenerate the token' })
  })

  it('never retries BCK.X402.0059 (token already used)', async () => {
    backend.always('verify', nvmError(409, 'BCK.X402.0059', 'The access token was already used'))
    const result = await facilitator().verify(verifyRequest(), signal())
    expect(result).toMatchObject({ isValid: false, invalidReason: 'BCK.X402.0059' })
    expect(backend.callsTo('verify')).toHaveLength(1)
  })

  it('uses http_<status> as the reason when a 4xx has no code', async () => {
    backend.next('verify', { status: 422, json: { message: 'bad' } })
    expect(await facilitator().verify(verifyRequest(), signal())).toMatchObject({ isValid: false, invalidReason: 'http_422' })
  })

  it('rejects with facilitator_error (502) on a 5xx, keeping the code, without retrying', async () => {
    backend.always('verify', nvmError(500, 'BCK.COMMON.0001', 'Internal error'))
    const error = await rejection(facilitator().verify(verifyRequest(), signal()))
    expect(error.code).toBe('facilitator_error')
    expect(error.status).toBe(502)
    expect(error.details).toMatchObject({ step: 'verify', status: 500, reason: 'BCK.COMMON.0001' })
    expect(backend.callsTo('verify')).toHaveLength(1)
  })

  it.each([401, 429])('treats HTTP %i as our problem, not the payer’s', async (status) => {
    backend.next('verify', nvmError(status, 'BCK.AUTH.0001'))
    expect((await rejection(facilitator().verify(verifyRequest(), signal()))).code).toBe('facilitator_error')
  })

  it('treats a 404 without a Nevermined body as a wrong backend URL', async () => {
    backend.next('verify', { status: 404, text: 'Cannot POST' })
    expect((await rejection(facilitator().verify(verifyRequest(), signal()))).code).toBe('facilitator_error')
  })

  it.each([
    ['a body that is not JSON', { text: '<html>oops</html>' }],
    ['a JSON array', { json: [] }],
    ['isValid that is not a boolean', { json: { isValid: 'yes' } }],
    ['a payer that is not a string', { json: { isValid: true, payer: 42 } }],
  ])('rejects with facilitator_bad_response on %s', async (_name, answer) => {
    backend.next('verify', answer)
    const error = await rejection(facilitator().verify(verifyRequest(), signal()))
    expect(error.code).toBe('facilitator_bad_response')
  })

  it('retries once after a network error, then answers', async () => {
    backend.next('verify', { networkError: true })
    const result = await facilitator().verify(verifyRequest(), signal())
    expect(result.isValid).toBe(true)
    expect(backend.callsTo('verify')).toHaveLength(2)
  })

  it('rejects with facilitator_error after a second network error', async () => {
    backend.always('verify', { networkError: true })
    const error = await rejection(facilitator().verify(verifyRequest(), signal()))
    expect(error.code).toBe('facilitator_error')
    expect(backend.callsTo('verify')).toHaveLength(2)
    expectNoSecrets(error)
  })

  it('stops when the signal aborts, with the abort reason when it is a TollgateError', async () => {
    backend.always('verify', { hang: true })
    const controller = new AbortController()
    const pending = facilitator().verify(verifyRequest(), controller.signal)
    setTimeout(() => controller.abort(new TollgateError('facilitator_timeout', 'deadline')), 20)
    const error = await rejection(pending)
    expect(error.code).toBe('facilitator_timeout')
    expect(backend.callsTo('verify')).toHaveLength(1)
  })

  it('applies its own verifyTimeoutMs', async () => {
    backend.always('verify', { hang: true })
    const started = Date.now()
    const error = await rejection(nevermined({ apiKey: API_KEY, verifyTimeoutMs: 50 }).verify(verifyRequest(), signal()))
    expect(error.code).toBe('facilitator_timeout')
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('keeps the key and the token out of error messages even when the backend echoes them', async () => {
    backend.next('verify', nvmError(500, 'BCK.X', `bad token ${token} for key ${API_KEY}`, `jwt ${JWT}`))
    const error = await rejection(facilitator().verify(verifyRequest(), signal()))
    expect(error.message).toContain('[redacted]')
    expectNoSecrets(error)
  })
})

describe('nevermined() settle', () => {
  it('posts the vector body, with verify’s agentRequestId, to api/v1/x402/settle', async () => {
    const result = await facilitator().settle(settleRequest(), signal())
    const [call] = backend.callsTo('settle')
    expect(call?.url).toBe(`${BACKEND}api/v1/x402/settle`)
    expect(call?.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(call?.headers['nevermined-version']).toBe('1.1')
    expect(call?.body).toEqual({ ...vector.settleRequestBody, x402AccessToken: token })
    expect(result).toEqual(vector.settleResponse)
  })

  it('sends the same paymentRequired to verify and settle', async () => {
    const f = facilitator()
    const verification = await f.verify(verifyRequest(), signal())
    await f.settle({ ...verifyRequest(), verification }, signal())
    expect(backend.callsTo('settle')[0]?.body.paymentRequired).toEqual(backend.callsTo('verify')[0]?.body.paymentRequired)
  })

  it('leaves agentRequestId out when verify gave none', async () => {
    await facilitator().settle(settleRequest({ isValid: true }), signal())
    expect(backend.callsTo('settle')[0]?.body).not.toHaveProperty('agentRequestId')
  })

  it('settles the charged amount', async () => {
    await facilitator().settle(settleRequest(vector.verifyResponse, { amount: '3' }), signal())
    expect(backend.callsTo('settle')[0]?.body.maxAmount).toBe('3')
  })

  it('resolves success:false on HTTP 200 with success:false', async () => {
    backend.next('settle', { json: { success: false, errorReason: 'insufficient_credits', transaction: '', network: 'eip155:84532' } })
    const result = await facilitator().settle(settleRequest(), signal())
    expect(result).toEqual({ success: false, errorReason: 'insufficient_credits', transaction: '', network: 'eip155:84532' })
  })

  it('fills transaction, network and errorReason when a failed settle leaves them out', async () => {
    backend.next('settle', { json: { success: false } })
    const result = await facilitator().settle(settleRequest(), signal())
    expect(result).toEqual({ success: false, errorReason: 'settlement_failed', transaction: '', network: 'eip155:84532' })
  })

  it.each([400, 402, 403])('resolves success:false with the backend code for HTTP %i', async (status) => {
    backend.next('settle', nvmError(status, 'BCK.X402.0010'))
    const result = await facilitator().settle(settleRequest(), signal())
    expect(result).toEqual({ success: false, errorReason: 'BCK.X402.0010', transaction: '', network: 'eip155:84532' })
  })

  it('resolves BCK.X402.0059 as a failed settlement, calling once', async () => {
    backend.always('settle', nvmError(400, 'BCK.X402.0059', 'The access token was already used'))
    expect(await facilitator().settle(settleRequest(), signal())).toMatchObject({ success: false, errorReason: 'BCK.X402.0059' })
    expect(backend.callsTo('settle')).toHaveLength(1)
  })

  it('never retries a settle after a network error', async () => {
    backend.next('settle', { networkError: true })
    const error = await rejection(facilitator().settle(settleRequest(), signal()))
    expect(error.code).toBe('facilitator_error')
    expect(backend.callsTo('settle')).toHaveLength(1)
  })

  it('rejects on a 5xx and on a body that is not a SettleResponse', async () => {
    backend.next('settle', nvmError(503, 'BCK.COMMON.0002'))
    expect((await rejection(facilitator().settle(settleRequest(), signal()))).code).toBe('facilitator_error')
    backend.next('settle', { json: { transaction: '0x1' } })
    expect((await rejection(facilitator().settle(settleRequest(), signal()))).code).toBe('facilitator_bad_response')
  })

  it('applies its own settleTimeoutMs', async () => {
    backend.always('settle', { hang: true })
    const error = await rejection(nevermined({ apiKey: API_KEY, settleTimeoutMs: 50 }).settle(settleRequest(), signal()))
    expect(error.code).toBe('facilitator_timeout')
  })
})

describe('nevermined() backends', () => {
  it.each([
    ['live', 'https://api.live.nevermined.app/'],
    ['staging_sandbox', 'https://api.sandbox.nevermined.dev/'],
    ['staging_live', 'https://api.live.nevermined.dev/'],
    ['sandbox-staging', 'https://api.sandbox.nevermined.dev/'],
    ['live-staging', 'https://api.live.nevermined.dev/'],
  ])('the %s prefix selects %s', async (prefix, url) => {
    const calls: string[] = []
    const fakeFetch: typeof fetch = async (input) => {
      calls.push(String(input))
      return Response.json(vector.verifyResponse)
    }
    await nevermined({ apiKey: `${prefix}:${JWT}`, fetch: fakeFetch }).verify(verifyRequest(), signal())
    expect(calls).toEqual([`${url}api/v1/x402/verify`])
  })

  it('uses backendUrl, keeping its path', async () => {
    const custom = fakeNevermined('http://127.0.0.1:3999/nvm/')
    backend.server.use(...custom.server.listHandlers())
    await nevermined({ apiKey: API_KEY, backendUrl: 'http://127.0.0.1:3999/nvm' }).verify(verifyRequest(), signal())
    expect(custom.callsTo('verify')[0]?.url).toBe('http://127.0.0.1:3999/nvm/api/v1/x402/verify')
    backend.server.resetHandlers()
  })

  it('reads NVM_BACKEND_URL for the custom environment', async () => {
    vi.stubEnv('NVM_BACKEND_URL', 'http://localhost:3001')
    const urls: string[] = []
    const fakeFetch: typeof fetch = async (input) => {
      urls.push(String(input))
      return Response.json(vector.verifyResponse)
    }
    await nevermined({ apiKey: `custom:${JWT}`, fetch: fakeFetch }).verify(verifyRequest(), signal())
    expect(urls).toEqual(['http://localhost:3001/api/v1/x402/verify'])
  })
})

describe('nevermined() options', () => {
  const cases: Array<[string, unknown, string]> = [
    ['no apiKey', {}, 'apiKey'],
    ['a key without a prefix', { apiKey: JWT }, 'apiKey'],
    ['a key with spaces', { apiKey: ` ${API_KEY}` }, 'apiKey'],
    ['a key whose secret is not a JWT', { apiKey: 'sandbox:not-a-jwt' }, 'apiKey'],
    ['an unknown prefix and no backendUrl', { apiKey: `moon:${JWT}` }, 'backendUrl'],
    ['an unknown environment', { apiKey: API_KEY, environment: 'prod' }, 'environment'],
    ['an environment that disagrees with the key', { apiKey: API_KEY, environment: 'live' }, 'environment'],
    ['a backendUrl that is not http(s)', { apiKey: API_KEY, backendUrl: 'ftp://example.com' }, 'backendUrl'],
    ['custom without a URL', { apiKey: API_KEY, environment: 'custom' }, 'backendUrl'],
    ['a fetch that is not a function', { apiKey: API_KEY, fetch: 'fetch' }, 'fetch'],
    ['a zero timeout', { apiKey: API_KEY, verifyTimeoutMs: 0 }, 'verifyTimeoutMs'],
    ['a misspelt option', { apiKey: API_KEY, backendURL: 'https://x.example' }, 'backendURL'],
    ['a staging key against another environment', { apiKey: `sandbox-staging:${JWT}`, environment: 'sandbox' }, 'environment'],
    ['a staging key with a space in its prefix', { apiKey: `sandbox staging:${JWT}` }, 'apiKey'],
  ]
  it.each(cases)('refuses %s with invalid_options naming the option', (_name, options, path) => {
    vi.stubEnv('NVM_BACKEND_URL', '')
    let thrown: unknown
    try {
      nevermined(options as never)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TollgateError)
    expect((thrown as TollgateError).code).toBe('invalid_options')
    expect((thrown as TollgateError).details.path).toBe(path)
    expectNoSecrets(thrown)
  })

  it('accepts an unknown prefix with a backendUrl, and custom with the key of another environment', () => {
    expect(nevermined({ apiKey: `moon:${JWT}`, backendUrl: 'http://localhost:3001' }).name).toBe('nevermined')
    expect(nevermined({ apiKey: API_KEY, environment: 'custom', backendUrl: 'http://localhost:3001' }).name).toBe('nevermined')
  })
})

describe('nevermined() settle options, organisation and API version', () => {
  it('passes batch and marginPercent through to settle, verbatim, and never to verify', async () => {
    const f = nevermined({ apiKey: API_KEY, settle: { batch: true, marginPercent: 2.5 } })
    const verification = await f.verify(verifyRequest(), signal())
    await f.settle({ ...verifyRequest(), verification }, signal())
    expect(backend.callsTo('verify')[0]?.body).not.toHaveProperty('batch')
    expect(backend.callsTo('settle')[0]?.body).toEqual({
      ...vector.settleRequestBody,
      x402AccessToken: token,
      batch: true,
      marginPercent: 2.5,
    })
  })

  it('chooses them per settle request with a function (here by route)', async () => {
    const f = nevermined({
      apiKey: API_KEY,
      settle: (request) => (request.paymentRequired.resource.url.endsWith('/agent') ? { batch: true, marginPercent: 5 } : undefined),
    })
    const agent = { ...vector.paymentRequired, resource: { ...vector.paymentRequired.resource, url: 'https://api.example.com/agent' } }
    await f.settle(settleRequest(vector.verifyResponse, { paymentRequired: agent }), signal())
    await f.settle(settleRequest(), signal())
    const [first, second] = backend.callsTo('settle')
    expect(first?.body).toMatchObject({ batch: true, marginPercent: 5 })
    expect(second?.body).not.toHaveProperty('batch')
    expect(second?.body).not.toHaveProperty('marginPercent')
  })

  it('sends X-Current-Org-Id and a pinned Nevermined-Version on verify and settle', async () => {
    const f = nevermined({ apiKey: API_KEY, orgId: 'org-42', apiVersion: '1.2' })
    const verification = await f.verify(verifyRequest(), signal())
    await f.settle({ ...verifyRequest(), verification }, signal())
    for (const call of backend.calls) {
      expect(call.headers['x-current-org-id']).toBe('org-42')
      expect(call.headers['nevermined-version']).toBe('1.2')
    }
    expect(backend.calls).toHaveLength(2)
  })

  it('sends no X-Current-Org-Id without orgId', async () => {
    await facilitator().verify(verifyRequest(), signal())
    expect(backend.callsTo('verify')[0]?.headers).not.toHaveProperty('x-current-org-id')
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['an SDK package version as apiVersion', { apiVersion: '1.11.0' }, 'apiVersion'],
    ['an orgId with a line break', { orgId: 'org-1\r\nX-Evil: 1' }, 'orgId'],
    ['batch that is not a boolean', { settle: { batch: 'yes' } }, 'settle.batch'],
    ['a negative marginPercent', { settle: { marginPercent: -1 } }, 'settle.marginPercent'],
    ['an unknown settle option', { settle: { margin: 5 } }, 'margin'],
  ])('refuses %s', (_name, options, path) => {
    let thrown: unknown
    try {
      nevermined({ apiKey: API_KEY, ...options } as never)
    } catch (error) {
      thrown = error
    }
    expect((thrown as TollgateError).code).toBe('invalid_options')
    expect((thrown as TollgateError).details.path).toBe(path)
    expectNoSecrets(thrown)
  })
})
