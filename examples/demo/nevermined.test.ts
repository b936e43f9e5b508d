// The optional Nevermined route. Without a key (or a plan to sell) the demo runs without it and says why; with
// one, POST /ask is paid with a credit through the Nevermined backend (here a fake one on 127.0.0.1).
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilPid, isRunning, startDemo } from './demo-process.js'
import { neverminedFromEnv } from './nevermined.js'

const API_KEY = 'sandbox:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vLXRlc3QifQ.ZmFrZS1zaWduYXR1cmU'
const PLAN_ID = '1234567890123456789'
const AGENT_ID = '987654321'
const PAYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const SETTLE_TX = `0x${'cd'.repeat(32)}`

/** An access token as Nevermined issues them: base64url JSON of a v2 PaymentPayload, without padding. */
const ACCESS_TOKEN = Buffer.from(
  JSON.stringify({
    x402Version: 2,
    accepted: { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: PLAN_ID, extra: { version: '1', agentId: AGENT_ID, httpVerb: 'POST' } },
    payload: { signature: `0x${'11'.repeat(65)}`, authorization: { from: PAYER, sessionKeysProvider: 'zerodev', sessionKeys: [] } },
    extensions: {},
  }),
).toString('base64url')

describe('neverminedFromEnv', () => {
  it('stays out of the way without NVM_API_KEY', async () => {
    expect(await neverminedFromEnv({})).toEqual({ skipped: 'NVM_API_KEY is not set' })
    expect(await neverminedFromEnv({ NVM_API_KEY: '  ' })).toEqual({ skipped: 'NVM_API_KEY is not set' })
  })

  it('needs the plan that POST /ask sells', async () => {
    const result = await neverminedFromEnv({ NVM_API_KEY: API_KEY })
    expect(result).toEqual({ skipped: expect.stringContaining('NVM_PLAN_ID is not') })
  })

  it('sells one credit of the plan on POST /ask', async () => {
    const result = await neverminedFromEnv({ NVM_API_KEY: API_KEY, NVM_PLAN_ID: PLAN_ID, NVM_AGENT_ID: AGENT_ID })
    if (!('setup' in result)) throw new Error(result.skipped)
    expect(result.setup.route.option.requirements).toEqual({
      scheme: 'nvm:erc4337',
      network: 'eip155:84532',
      planId: PLAN_ID,
      extra: { version: '1', agentId: AGENT_ID, httpVerb: 'POST' },
    })
    expect(result.setup.route.option.amount).toBe('1')
  })

  it.each([
    ['sandbox-staging', 'eip155:84532'],
    ['live-staging', 'eip155:8453'],
    ['live', 'eip155:8453'],
  ])('starts with a %s key and offers the plan on %s', async (prefix, network) => {
    const apiKey = `${prefix}:${API_KEY.slice(API_KEY.indexOf(':') + 1)}`
    const result = await neverminedFromEnv({ NVM_API_KEY: apiKey, NVM_PLAN_ID: PLAN_ID, NVM_BACKEND_URL: 'http://127.0.0.1:3001/' })
    if (!('setup' in result)) throw new Error(result.skipped)
    expect(result.setup.route.option.requirements.network).toBe(network)
  })
})

interface Call {
  path: string
  authorization: string | undefined
  body: Record<string, unknown>
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of request) text += String(chunk)
  return JSON.parse(text || '{}') as Record<string, unknown>
}

describe('npm run demo with NVM_API_KEY (against a fake Nevermined backend)', () => {
  let backend: Server
  let backendUrl: string
  const calls: Call[] = []

  beforeAll(async () => {
    backend = createServer(async (request, response) => {
      const body = await readJson(request)
      const path = request.url ?? ''
      calls.push({ path, authorization: request.headers.authorization, body })
      const answers: Record<string, [number, unknown]> = {
        '/api/v1/x402/permissions': [201, { accessToken: ACCESS_TOKEN }],
        '/api/v1/x402/verify': [200, { isValid: true, payer: PAYER, network: 'eip155:84532', agentRequestId: 'req_demo' }],
        '/api/v1/x402/settle': [
          200,
          { success: true, transaction: SETTLE_TX, network: 'eip155:84532', payer: PAYER, creditsRedeemed: '1', remainingBalance: '99' },
        ],
      }
      const [status, json] = answers[path] ?? [404, { message: 'not found', code: 'TEST.404' }]
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json))
    })
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve))
    const address = backend.address()
    backendUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`
  })
  afterAll(async () => {
    await new Promise((resolve) => backend.close(resolve))
  })

  it('pays POST /ask with a Nevermined access token and gets 200 with the receipt', async () => {
    const demo = startDemo([], { NVM_API_KEY: API_KEY, NVM_PLAN_ID: PLAN_ID, NVM_AGENT_ID: AGENT_ID, NVM_BACKEND_URL: backendUrl })
    const result = await demo.exited
    const output = demo.stdout()
    expect(result, demo.stderr()).toEqual({ code: 0, signal: null })

    expect(output).toMatch(/POST \/ask: 1 \(nvm:erc4337 on eip155:84532\)/)
    expect(output).toMatch(/│ scheme\s+│ nvm:erc4337\s+│/)
    expect(output).toMatch(/│ plan\s+│ 1234567890123456789\s+│/)
    expect(output).toMatch(/<- 200 \{"question":"What is the answer\?","answer":"42","paidBy":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"\}/)
    expect(output).toMatch(new RegExp(`│ transaction\\s+│ ${SETTLE_TX}`))
    expect(output).not.toMatch(/│ payTo\s+│ -/) // a plan has no payTo row
    expect(output).toMatch(/│ creditsRedeemed\s+│ 1\s+│/)

    // The buyer asked for a token, then the server verified and settled it, each with the key.
    expect(calls.map((call) => call.path)).toEqual(['/api/v1/x402/permissions', '/api/v1/x402/verify', '/api/v1/x402/settle'])
    expect(calls.every((call) => call.authorization === `Bearer ${API_KEY}`)).toBe(true)
    expect(calls[0]?.body).toMatchObject({ accepted: { planId: PLAN_ID, extra: { agentId: AGENT_ID } } })
    expect(calls[1]?.body).toMatchObject({ x402AccessToken: ACCESS_TOKEN, maxAmount: '1' })
    expect(calls[2]?.body).toMatchObject({ x402AccessToken: ACCESS_TOKEN, maxAmount: '1', agentRequestId: 'req_demo' })

    expect(isRunning(anvilPid(output))).toBe(false)
    // The USDC routes (weather, premium and the metered generate) were paid as well, besides the plan's settle.
    expect([...output.matchAll(/│ transaction\s+│ 0x[0-9a-f]{64}/g)]).toHaveLength(4)
  })

  // Through an adapter too; bun and next run in their own process and read NVM_* from the environment themselves.
  it.each(['fastify', 'bun', 'next', 'express', 'node'])('sells POST /ask through --framework %s', async (framework) => {
    calls.length = 0
    const demo = startDemo(['--framework', framework], { NVM_API_KEY: API_KEY, NVM_PLAN_ID: PLAN_ID, NVM_AGENT_ID: AGENT_ID, NVM_BACKEND_URL: backendUrl })
    const result = await demo.exited
    expect(result, demo.stderr()).toEqual({ code: 0, signal: null })
    expect(demo.stdout()).toMatch(/<- 200 \{"question":"What is the answer\?","answer":"42","paidBy":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"\}/)
    expect(calls.map((call) => call.path)).toEqual(['/api/v1/x402/permissions', '/api/v1/x402/verify', '/api/v1/x402/settle'])
  }, 300_000) // next may build the app first
})
