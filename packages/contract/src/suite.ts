// The contract every adapter keeps, written once and run through each adapter's real server.
// Each case checks what a client sees (status, headers, body) and what the facilitator's books say.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { payFor, readPaymentRequired, readReceipt, type TestFacilitator } from '@tollgate/x402/testing'
import { ENV, type ContractAppConfig } from './app-env.js'
import { startControl, type Control } from './control.js'
import {
  BUYER,
  PAY_TO,
  PLAN_CREDITS,
  PLAN_ID,
  PRICE,
  SETTLE_TIMEOUT_MS,
  STARTING_CREDITS,
  STARTING_USDC,
  USDC,
  VERIFY_TIMEOUT_MS,
  contractFacilitator,
  resetBooks,
} from './fixture.js'

export interface ContractEnv {
  /** For apps in this process: the test facilitator itself, and the rest of the settings. */
  config: ContractAppConfig
  /** For apps in another process: the same settings as environment variables (see `appConfigFromEnv`). */
  vars: Record<string, string>
}

export interface ContractServer {
  /** Where the app listens, e.g. `http://127.0.0.1:41234`. */
  url: string
  /** Replaces `fetch(url + path)`, for transports without a socket (Fastify inject). */
  fetch?: (path: string, init?: RequestInit) => Promise<Response>
  stop(): Promise<void>
}

export interface ContractHarness {
  /** Shown in the test names: `hono on @hono/node-server`. */
  name: string
  start(env: ContractEnv): Promise<ContractServer>
  /** false for transports that buffer whole replies (inject): the streaming case is skipped. Default true. */
  streaming?: boolean
  /** How long start may take (a Next build). Default 30 s. */
  startTimeoutMs?: number
}

export function runContract(harness: ContractHarness): void {
  describe(`adapter contract: ${harness.name}`, () => {
    const facilitator: TestFacilitator = contractFacilitator()
    let control: Control
    let server: ContractServer

    beforeAll(async () => {
      control = await startControl(facilitator)
      const config: ContractAppConfig = {
        facilitator,
        payTo: PAY_TO,
        planId: PLAN_ID,
        gateUrl: `${control.url}/gate`,
        verifyTimeoutMs: VERIFY_TIMEOUT_MS,
        settleTimeoutMs: SETTLE_TIMEOUT_MS,
      }
      const vars = {
        [ENV.facilitatorUrl]: `${control.url}/facilitator`,
        [ENV.gateUrl]: config.gateUrl,
        [ENV.payTo]: PAY_TO,
        [ENV.planId]: PLAN_ID,
        [ENV.verifyTimeoutMs]: String(VERIFY_TIMEOUT_MS),
        [ENV.settleTimeoutMs]: String(SETTLE_TIMEOUT_MS),
      }
      server = await harness.start({ config, vars })
    }, harness.startTimeoutMs ?? 30_000)

    afterAll(async () => {
      await server?.stop()
      await control?.close()
    }, 30_000)

    beforeEach(() => resetBooks(facilitator))

    const request = (path: string, init?: RequestInit) => (server.fetch ? server.fetch(path, init) : fetch(server.url + path, init))
    const usdc = () => facilitator.balance(BUYER, { asset: USDC })
    const credits = () => facilitator.balance(BUYER, { planId: PLAN_ID })
    const nothingCharged = () => {
      expect(usdc()).toBe(STARTING_USDC)
      expect(credits()).toBe(STARTING_CREDITS)
      expect(facilitator.settleCalls().filter((call) => call.outcome.status === 'answered' && call.outcome.response.success)).toEqual([])
    }
    /** The 402 for `path`, then a token paying it, as a paying client does. */
    const pay = async (path: string, options: { x402Version?: 1 | 2; optionIndex?: number; valid?: boolean } = {}) => {
      const unpaid = await request(path)
      expect(unpaid.status).toBe(402)
      const token = await payFor(unpaid, facilitator, { payer: BUYER, ...options })
      return { [options.x402Version === 1 ? 'X-PAYMENT' : 'PAYMENT-SIGNATURE']: token }
    }

    describe('unpaid', () => {
      it('answers 402 with a v2 PAYMENT-REQUIRED header and a v1 JSON body, and asks nobody', async () => {
        const response = await request('/paid')
        expect(response.status).toBe(402)
        expect(response.headers.get('cache-control')).toBe('no-store')
        const { v1, v2 } = await readPaymentRequired(response)
        expect(v2?.accepts.map((offer) => offer.scheme)).toEqual(['exact', expect.stringMatching(/^nvm:/)])
        expect(v2?.accepts[0]).toMatchObject({ amount: PRICE.toString(), payTo: PAY_TO, asset: USDC })
        expect(v2?.resource.url).toMatch(/\/paid$/)
        expect(v1?.accepts[0]).toMatchObject({ maxAmountRequired: PRICE.toString(), network: 'base-sepolia' })
        expect(facilitator.calls).toEqual([])
      })

      it('answers HEAD with the 402 headers and no body', async () => {
        const response = await request('/paid', { method: 'HEAD' })
        expect(response.status).toBe(402)
        expect(response.headers.get('payment-required')).toBeTruthy()
        expect(await response.text()).toBe('')
        expect(facilitator.calls).toEqual([])
      })

      it('lets OPTIONS through to the handler, free', async () => {
        const response = await request('/paid', { method: 'OPTIONS' })
        expect(response.status).toBe(204)
        expect(response.headers.get('payment-required')).toBeNull()
        expect(facilitator.calls).toEqual([])
      })

      it('leaves free and unknown routes alone', async () => {
        const free = await request('/free')
        expect(free.status).toBe(200)
        expect(await free.text()).toBe('free')
        const missing = await request('/missing')
        expect(missing.status).toBe(404)
        expect(missing.headers.get('payment-required')).toBeNull()
        expect(facilitator.calls).toEqual([])
      })
    })

    describe('paid', () => {
      it.each([2, 1] as const)('serves a v%i client and returns its receipt', async (x402Version) => {
        const response = await request('/paid', { headers: await pay('/paid', { x402Version }) })
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({ paid: true, payer: BUYER, scheme: 'exact', charged: PRICE.toString() })
        expect(response.headers.get(x402Version === 1 ? 'x-payment-response' : 'payment-response')).toBeTruthy()
        expect(readReceipt(response)).toMatchObject({ success: true, payer: BUYER })
        expect(usdc()).toBe(STARTING_USDC - PRICE)
      })

      it('charges what the handler used (ctx.charge), never the whole authorisation', async () => {
        const headers = await pay('/paid', { optionIndex: 1 })
        const response = await request('/paid?used=2', { headers })
        expect(response.status).toBe(200)
        expect(await response.json()).toMatchObject({ paid: true, scheme: expect.stringMatching(/^nvm:/), charged: '2' })
        expect(credits()).toBe(STARTING_CREDITS - 2n)
        expect(2n).toBeLessThan(PLAN_CREDITS)
      })

      it('refuses an invalid proof with a 402 and the reason', async () => {
        const headers = await pay('/paid', { valid: false })
        const response = await request('/paid', { headers })
        expect(response.status).toBe(402)
        expect((await readPaymentRequired(response)).v2?.error).toBe('invalid_signature')
        const garbage = await request('/paid', { headers: { 'PAYMENT-SIGNATURE': 'not a token' } })
        expect(garbage.status).toBe(402)
        nothingCharged()
      })
    })

    describe('faults', () => {
      it('answers 502 when the facilitator is down, 504 when it is too slow', async () => {
        const headers = await pay('/paid')
        facilitator.fail('verify', { type: 'throw' }, { times: 1 })
        expect((await request('/paid', { headers })).status).toBe(502)
        facilitator.fail('verify', { type: 'hang' }, { times: 1 })
        const slow = await request('/paid', { headers })
        expect(slow.status).toBe(504)
        expect(await slow.json()).toMatchObject({ error: 'facilitator_timeout' })
        nothingCharged()
      })

      it('answers 500 and settles nothing when the handler throws', async () => {
        const headers = await pay('/paid')
        const response = await request('/paid?throw=1', { headers })
        expect(response.status).toBe(500)
        expect(await response.text()).not.toContain('paid')
        expect(facilitator.settleCalls()).toEqual([])
        nothingCharged()
      })

      it.each([404, 503])('passes a handler status %i through and settles nothing', async (status) => {
        const headers = await pay('/paid')
        const response = await request(`/paid?status=${status}`, { headers })
        expect(response.status).toBe(status)
        expect(await response.text()).toBe(`handler said ${status}`)
        expect(facilitator.settleCalls()).toEqual([])
        nothingCharged()
      })

      it('answers 402 with a failed receipt, and no paid body, when settlement fails', async () => {
        const headers = await pay('/paid')
        facilitator.fail('settle', { type: 'settle-failure', reason: 'insufficient_funds' }, { times: 1 })
        const response = await request('/paid', { headers })
        expect(response.status).toBe(402)
        expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'insufficient_funds' })
        expect(await response.text()).not.toContain('"paid":true')
        nothingCharged()
      })
    })

    it.skipIf(harness.streaming === false)('streams: the first chunk reaches the client before the handler finished', async () => {
      const headers = await pay('/stream')
      const key = `stream-${crypto.randomUUID()}`
      const response = await request(`/stream?gate=${key}`, { headers })
      expect(response.status).toBe(200)
      expect(readReceipt(response)).toMatchObject({ success: true })
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      const decoder = new TextDecoder()
      const first = await withTimeout(reader.read(), 5_000, 'the first chunk (was the body buffered?)')
      expect(decoder.decode(first.value)).toBe('first\n')
      control.release(key)
      let rest = ''
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value, { stream: true })
      expect(rest).toBe('second\n')
      expect(usdc()).toBe(STARTING_USDC - PRICE)
      expect(facilitator.settleCalls()).toHaveLength(1)
    })
  })
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms)))
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
