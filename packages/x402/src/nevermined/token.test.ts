import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { rejection } from '../test-support/rejection.js'
import { TollgateError } from '../errors.js'
import { API_KEY, BACKEND, encodeToken, fakeNevermined, nvmError, vector } from './test-backend.js'
import { decodeAccessToken, isSingleUseToken, readAccessToken } from './access-token.js'
import { requestAccessToken } from './token.js'

const backend = fakeNevermined()
beforeAll(() => backend.server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => backend.reset())
afterAll(() => backend.server.close())

const PLAN_ID = '1234567890123456789'
const JWT = API_KEY.slice(API_KEY.indexOf(':') + 1)

describe('requestAccessToken()', () => {
  it('posts { accepted } to api/v1/x402/permissions and returns accessToken', async () => {
    const token = await requestAccessToken({ apiKey: API_KEY, planId: PLAN_ID, agentId: '987654321' })
    expect(token).toBe(vector.accessToken)
    const [call] = backend.callsTo('permissions')
    expect(call?.url).toBe(`${BACKEND}api/v1/x402/permissions`)
    expect(call?.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(call?.headers['content-type']).toBe('application/json')
    expect(call?.headers['nevermined-version']).toBe('1.1')
    expect(call?.body).toEqual({
      accepted: { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: PLAN_ID, extra: { agentId: '987654321' } },
    })
  })

  it('binds the token to a resource and verb, and passes tokenVersion and the delegation', async () => {
    await requestAccessToken({
      apiKey: API_KEY,
      planId: BigInt(PLAN_ID),
      agentId: 987654321n,
      resource: 'https://api.example.com/ask',
      httpVerb: 'post',
      tokenVersion: 3,
      delegationConfig: { delegationId: 'del_123' },
    })
    expect(backend.callsTo('permissions')[0]?.body).toEqual({
      accepted: { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: PLAN_ID, extra: { agentId: '987654321', httpVerb: 'POST' } },
      resource: { url: 'https://api.example.com/ask' },
      tokenVersion: 3,
      delegationConfig: { delegationId: 'del_123' },
    })
  })

  it('defaults the network from the scheme and the environment', async () => {
    const live = `live:${JWT}`
    const bodies: unknown[] = []
    const fakeFetch: typeof fetch = async (_input, init) => {
      bodies.push(JSON.parse(String(init?.body)))
      return Response.json({ accessToken: 'tok' })
    }
    await requestAccessToken({ apiKey: live, planId: PLAN_ID, fetch: fakeFetch })
    await requestAccessToken({ apiKey: API_KEY, planId: PLAN_ID, scheme: 'nvm:card-delegation', fetch: fakeFetch })
    await requestAccessToken({ apiKey: API_KEY, planId: PLAN_ID, network: 'base-sepolia', fetch: fakeFetch })
    expect(bodies.map((body) => (body as { accepted: { network: string } }).accepted.network)).toEqual(['eip155:8453', 'stripe', 'eip155:84532'])
  })

  it.each([
    ['live-staging', 'https://api.live.nevermined.dev/', 'eip155:8453'],
    ['sandbox-staging', 'https://api.sandbox.nevermined.dev/', 'eip155:84532'],
  ])('asks the %s backend with a staging key, on its network', async (prefix, backendUrl, network) => {
    const seen: Array<{ url: string; body: { accepted: { network: string } } }> = []
    const fakeFetch: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), body: JSON.parse(String(init?.body)) })
      return Response.json({ accessToken: 'tok' })
    }
    await requestAccessToken({ apiKey: `${prefix}:${JWT}`, planId: PLAN_ID, fetch: fakeFetch })
    expect(seen).toEqual([{ url: `${backendUrl}api/v1/x402/permissions`, body: expect.objectContaining({ accepted: expect.objectContaining({ network }) }) }])
  })

  it('rejects with facilitator_error carrying the backend code when Nevermined refuses', async () => {
    backend.next('permissions', nvmError(400, 'BCK.X402.0001', 'Cannot generate the token', 'Check the planId'))
    const error = await rejection(requestAccessToken({ apiKey: API_KEY, planId: PLAN_ID }))
    expect(error.code).toBe('facilitator_error')
    expect(error.details).toMatchObject({ status: 400, reason: 'BCK.X402.0001', hint: 'Check the planId' })
    expect(error.message).toContain('Cannot generate the token')
  })

  it('rejects on a 5xx, a network error and an answer without accessToken; the key never shows', async () => {
    backend.next('permissions', nvmError(500, 'BCK.COMMON.0001', `key ${API_KEY}`))
    const serverError = await rejection(requestAccessToken({ apiKey: API_KEY, planId: PLAN_ID }))
    expect(serverError.code).toBe('facilitator_error')
    expect(JSON.stringify([serverError.message, serverError.details])).not.toContain(JWT)

    backend.next('permissions', { networkError: true })
    expect((await rejection(requestAccessToken({ apiKey: API_KEY, planId: PLAN_ID }))).code).toBe('facilitator_error')
    expect(backend.callsTo('permissions')).toHaveLength(2) // no retry

    backend.next('permissions', { json: { token: 'x' } })
    expect((await rejection(requestAccessToken({ apiKey: API_KEY, planId: PLAN_ID }))).code).toBe('facilitator_bad_response')
  })

  it('stops when the signal aborts', async () => {
    backend.always('permissions', { hang: true })
    const controller = new AbortController()
    const pending = requestAccessToken({ apiKey: API_KEY, planId: PLAN_ID, signal: controller.signal })
    setTimeout(() => controller.abort(), 10)
    expect((await rejection(pending)).details.failure).toBe('aborted')
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['no apiKey', { planId: PLAN_ID }, 'apiKey'],
    ['a planId that is not decimal', { apiKey: API_KEY, planId: 'plan-1' }, 'planId'],
    ['an empty resource', { apiKey: API_KEY, planId: PLAN_ID, resource: ' ' }, 'resource'],
    ['an empty delegationId', { apiKey: API_KEY, planId: PLAN_ID, delegationConfig: { delegationId: '' } }, 'delegationConfig.delegationId'],
    ['an unknown scheme', { apiKey: API_KEY, planId: PLAN_ID, scheme: 'exact' }, 'scheme'],
    ['a misspelt option', { apiKey: API_KEY, planId: PLAN_ID, endpoint: '/ask' }, 'endpoint'],
  ])('refuses %s with invalid_options', async (_name, request, path) => {
    const error = await rejection(requestAccessToken(request as never))
    expect(error.code).toBe('invalid_options')
    expect(error.details.path).toBe(path)
    expect(backend.calls).toHaveLength(0)
  })
})

describe('decodeAccessToken()', () => {
  it('reads the vector token (base64url, no padding) into its PaymentPayload', () => {
    expect(decodeAccessToken(vector.accessToken)).toEqual(vector.accessTokenDecoded)
  })

  it('reads standard padded base64 too', () => {
    const standard = btoa(JSON.stringify(vector.accessTokenDecoded))
    expect(decodeAccessToken(standard)).toEqual(vector.accessTokenDecoded)
  })

  it('matches how the test backend encodes tokens', () => {
    expect(encodeToken(vector.accessTokenDecoded)).toBe(vector.accessToken)
  })

  it.each([
    ['an empty token', ''],
    ['a token that is not base64', '***'],
    ['JSON that is not a PaymentPayload', encodeToken({ x402Version: 2, payload: {} })],
    ['a v1 payload', encodeToken({ x402Version: 1, scheme: 'exact', network: 'base', payload: {} })],
  ])('throws malformed_payment (or unsupported_version) for %s', (_name, token) => {
    let thrown: unknown
    try {
      decodeAccessToken(token)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TollgateError)
    expect(['malformed_payment', 'unsupported_version']).toContain((thrown as TollgateError).code)
  })
})

describe('readAccessToken()', () => {
  const v3 = {
    ...vector.accessTokenDecoded,
    resource: { url: 'https://api.example.com/ask' },
    accepted: { ...vector.accessTokenDecoded.accepted, extra: { ...vector.accessTokenDecoded.accepted.extra, httpVerb: 'POST' } },
    payload: {
      ...vector.accessTokenDecoded.payload,
      authorization: { ...vector.accessTokenDecoded.payload.authorization, nonce: `0x${'ab'.repeat(32)}` },
    },
  }

  it('reads a v2 token (no nonce) as reusable', () => {
    const info = readAccessToken(vector.accessToken)
    expect(info).toMatchObject({ version: 2, singleUse: false, planId: PLAN_ID, scheme: 'nvm:erc4337' })
    expect(info.nonce).toBeUndefined()
    expect(info.payer).toBe(vector.accessTokenDecoded.payload.authorization.from)
  })

  it('reads a v3 token (authorization.nonce) as single-use, with what it is bound to', () => {
    const info = readAccessToken(encodeToken(v3))
    expect(info).toMatchObject({ version: 3, singleUse: true, nonce: `0x${'ab'.repeat(32)}`, httpVerb: 'POST', resource: 'https://api.example.com/ask' })
    expect(isSingleUseToken(encodeToken(v3))).toBe(true)
    // A decoded payload (what a server already holds) reads the same.
    expect(readAccessToken(v3 as never).version).toBe(3)
  })

  it.each([
    ['a blank nonce', '  '],
    ['a numeric nonce', 12345],
  ])('reads %s as v2, as Nevermined’s SDKs do', (_name, nonce) => {
    const token = encodeToken({ ...v3, payload: { ...v3.payload, authorization: { ...v3.payload.authorization, nonce } } })
    expect(readAccessToken(token)).toMatchObject({ version: 2, singleUse: false })
  })

  it('throws malformed_payment for a string that is no token; isSingleUseToken says false', () => {
    expect(() => readAccessToken('not a token')).toThrowError(expect.objectContaining({ code: 'malformed_payment' }))
    expect(isSingleUseToken('not a token')).toBe(false)
  })
})
