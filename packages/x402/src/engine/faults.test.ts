// The state machine under faults: a facilitator that is down, slow or answers garbage, a handler that throws
// or fails, a settlement that fails, a client that leaves. Nothing is charged for a failed request.
import { describe, expect, it } from 'vitest'
import { decodeBase64Json } from '../codec/base64.js'
import { readPaymentRequired, readReceipt, paidRequest, unpaidRequest } from '../testing/requests.js'
import { BUYER, ORIGIN, gate, setup, usdcOption } from './test-setup.js'

const PREMIUM = `${ORIGIN}/premium`

describe('proofs that cannot be read', () => {
  it.each([
    ['not base64', '%%%not-base64%%%', 'malformed_payment'],
    ['not JSON', btoa('hello'), 'malformed_payment'],
    ['missing fields', btoa(JSON.stringify({ x402Version: 2, payload: {} })), 'malformed_payment'],
    ['a future version', btoa(JSON.stringify({ x402Version: 9, accepted: {}, payload: {} })), 'unsupported_version'],
    ['too large', 'A'.repeat(8193), 'header_too_large'],
  ])('%s -> 402 with the reason, no facilitator call', async (_name, header, reason) => {
    const { app, facilitator, next } = setup()
    const response = await app(paidRequest(PREMIUM, header, { x402Version: 2 }))
    expect(response.status).toBe(402)
    const { v2 } = await readPaymentRequired(response)
    expect(v2?.error).toBe(reason)
    expect(facilitator.calls).toHaveLength(0)
    expect(next).not.toHaveBeenCalled()
  })

  it('tells a v1 client the reason in the body', async () => {
    const { app } = setup()
    const response = await app(paidRequest(PREMIUM, 'bm90IGpzb24=', { x402Version: 1 }))
    expect(response.status).toBe(402)
    expect((await response.json()).error).toBe('malformed_payment')
  })

  it('honours a custom header size limit', async () => {
    const { app, facilitator } = setup({ maxHeaderBytes: 64 })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const { v2 } = await readPaymentRequired(await app(paidRequest(PREMIUM, token)))
    expect(v2?.error).toBe('header_too_large')
  })

  it('refuses a proof for another offer (wrong payee)', async () => {
    const { app, facilitator } = setup()
    const token = facilitator.mint({ payer: BUYER, requirements: { ...usdcOption.requirements, payTo: '0x0000000000000000000000000000000000000001' } })
    const { v2 } = await readPaymentRequired(await app(paidRequest(PREMIUM, token)))
    expect(v2?.error).toBe('no_matching_requirements')
    expect(facilitator.calls).toHaveLength(0)
  })

  it('refuses a proof for another network', async () => {
    const { app, facilitator } = setup()
    const token = facilitator.mint({ payer: BUYER, requirements: { ...usdcOption.requirements, network: 'eip155:8453' } })
    const { v2 } = await readPaymentRequired(await app(paidRequest(PREMIUM, token)))
    expect(v2?.error).toBe('no_matching_requirements')
  })
})

// With speculative handling off, the handler never runs before verification; speculative.test.ts covers the
// same faults with it on (the GET default).
describe('verification', () => {
  it('an invalid payment -> 402 with the facilitator reason, handler not run', async () => {
    const { app, facilitator, next, usdcBalance } = setup({ speculative: false })
    const token = facilitator.forge({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(402)
    expect((await readPaymentRequired(response)).v2?.error).toBe('invalid_signature')
    expect(next).not.toHaveBeenCalled()
    expect(usdcBalance()).toBe(1_000_000n)
  })

  it.each([
    ['throws', { type: 'throw' } as const, 502],
    ['answers garbage', { type: 'garbage' } as const, 502],
    ['answers a string', { type: 'garbage', value: 'OK' } as const, 502],
    ['hangs past the deadline', { type: 'hang' } as const, 504],
    ['hangs and ignores its abort signal', { type: 'hang', ignoreSignal: true } as const, 504],
  ])('a facilitator that %s -> %i, nothing charged', async (_name, fault, status) => {
    const { app, facilitator, next, usdcBalance } = setup({ verifyTimeoutMs: 50, speculative: false })
    facilitator.fail('verify', fault)
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const started = Date.now()
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(status)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(response.headers.get('PAYMENT-REQUIRED')).toBeNull()
    expect(next).not.toHaveBeenCalled()
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(usdcBalance()).toBe(1_000_000n)
    // The payment was released: once the facilitator heals, the same proof pays.
    facilitator.heal()
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
  })

  it('uses a per-route verify deadline', async () => {
    const { facilitator, paywall } = setup({
      routes: { 'GET /slow': { accepts: usdcOption, verifyTimeoutMs: 30 } },
      verifyTimeoutMs: 60_000,
    })
    facilitator.fail('verify', { type: 'hang' })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await paywall.protect(() => new Response('x'))(paidRequest(`${ORIGIN}/slow`, token))
    expect(response.status).toBe(504)
  })
})

describe('the handler', () => {
  it('throws -> 500, nothing settled, the payment can be used again', async () => {
    let fail = true
    const { app, facilitator, usdcBalance } = setup({}, async () => {
      if (fail) throw new Error('database password is hunter2')
      return new Response('ok')
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(500)
    expect(await response.text()).not.toContain('hunter2')
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(usdcBalance()).toBe(1_000_000n)
    fail = false
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
    expect(usdcBalance()).toBe(990_000n)
  })

  it.each([404, 422, 500, 503, 302])('answers %i -> passed through, nothing settled', async (status) => {
    const { app, facilitator, usdcBalance } = setup({}, async () => new Response(`status ${status}`, { status }))
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(status)
    expect(await response.text()).toBe(`status ${status}`)
    expect(readReceipt(response)).toBeUndefined()
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(usdcBalance()).toBe(1_000_000n)
  })

  it('returns something that is not a Response -> 500, nothing settled', async () => {
    const { app, facilitator } = setup({}, async () => ({ ok: true }) as unknown as Response)
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(500)
    expect(facilitator.settleCalls()).toHaveLength(0)
  })

  it("accepts a Response from another realm (a server library that swapped the global Response)", async () => {
    class ForeignResponse {
      readonly status = 200
      readonly statusText = 'OK'
      readonly headers = new Headers({ 'content-type': 'text/plain' })
      readonly body = null
      get [Symbol.toStringTag]() {
        return 'Response'
      }
    }
    const { app, facilitator } = setup({}, async () => new ForeignResponse() as unknown as Response)
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(200)
    expect(readReceipt(response)?.success).toBe(true)
  })

  it('streams: the response goes out before the handler finishes its body, unbuffered', async () => {
    const hold = gate()
    const { app, facilitator } = setup({}, async () => {
      const encoder = new TextEncoder()
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode('first '))
          await hold.opened
          controller.enqueue(encoder.encode('second'))
          controller.close()
        },
      })
      return new Response(body, { headers: { 'content-type': 'text/plain' } })
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(200)
    expect(readReceipt(response)?.success).toBe(true)
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toBe('first ')
    hold.release()
    const second = await reader.read()
    expect(new TextDecoder().decode(second.value)).toBe('second')
  })

  it('keeps the headers of a Response whose headers are immutable', async () => {
    const { app, facilitator } = setup({}, async () => {
      const response = Response.redirect('https://example.com/elsewhere', 301)
      return new Response('body', { status: 200, headers: response.headers })
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.headers.get('location')).toBe('https://example.com/elsewhere')
    expect(readReceipt(response)?.success).toBe(true)
  })
})

describe('settlement', () => {
  it('refused -> 402 with a failed receipt, the paid body is not sent', async () => {
    let cancelled = false
    const { app, facilitator, usdcBalance } = setup({}, async () => {
      const body = new ReadableStream({
        start: (controller) => controller.enqueue(new TextEncoder().encode('SECRET PAID CONTENT')),
        cancel: () => {
          cancelled = true
        },
      })
      return new Response(body)
    })
    facilitator.fail('settle', { type: 'settle-failure', reason: 'insufficient_funds' })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(402)
    expect(await response.text()).not.toContain('SECRET')
    expect(cancelled).toBe(true)
    expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'insufficient_funds', transaction: '' })
    expect((await readPaymentRequired(response)).v2?.error).toBe('insufficient_funds')
    expect(usdcBalance()).toBe(1_000_000n)
  })

  it.each([
    ['throws', { type: 'throw' } as const, 502],
    ['answers garbage', { type: 'garbage' } as const, 502],
    ['hangs', { type: 'hang' } as const, 504],
  ])('a facilitator that %s at settle -> %i with a failed receipt', async (_name, fault, status) => {
    const { app, facilitator, usdcBalance } = setup({ settleTimeoutMs: 50 }, async () => new Response('SECRET'))
    facilitator.fail('settle', fault)
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(status)
    expect(await response.text()).not.toContain('SECRET')
    expect(readReceipt(response)?.success).toBe(false)
    expect(usdcBalance()).toBe(1_000_000n)
  })

  it("the 'deliver' policy sends the body with a failed receipt", async () => {
    const { app, facilitator } = setup({ onSettleFailure: 'deliver' }, async () => new Response('content'))
    facilitator.fail('settle', { type: 'settle-failure', reason: 'network_congested' })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('content')
    expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'network_congested' })
  })

  it('v1 clients get the failed receipt in X-PAYMENT-RESPONSE', async () => {
    const { app, facilitator } = setup()
    facilitator.fail('settle', { type: 'settle-failure', reason: 'nope' })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, x402Version: 1 })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(402)
    expect(decodeBase64Json(response.headers.get('X-PAYMENT-RESPONSE')!)).toMatchObject({ success: false, errorReason: 'nope' })
    expect((await response.json()).error).toBe('nope')
  })

  it('settles before the handler when asked, and not at all when that fails', async () => {
    const order: string[] = []
    const { app, facilitator } = setup({ settle: 'before' }, async () => {
      order.push('handler')
      return new Response('sent the email')
    })
    const originalSettle = facilitator.settle.bind(facilitator)
    facilitator.settle = async (...args) => (order.push('settle'), originalSettle(...args))
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(200)
    expect(readReceipt(response)?.success).toBe(true)
    expect(order).toEqual(['settle', 'handler'])

    facilitator.fail('settle', { type: 'settle-failure' })
    const second = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await app(paidRequest(PREMIUM, second))).status).toBe(402)
    expect(order).toEqual(['settle', 'handler', 'settle'])
  })

  it("settle: 'before' has collected the money when the handler then throws: 500, settled once, as documented", async () => {
    const { app, facilitator, usdcBalance } = setup({ settle: 'before' }, async () => {
      throw new Error('the email server is down')
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(500)
    expect(facilitator.settleCalls()).toHaveLength(1)
    expect(usdcBalance()).toBe(990_000n)
  })

  it('settles exactly once per session', async () => {
    const { paywall, facilitator } = setup()
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const gateResult = await paywall.check(paidRequest(PREMIUM, token))
    expect(gateResult.kind).toBe('paid')
    if (gateResult.kind !== 'paid') return
    const [a, b] = await Promise.all([gateResult.session.settle(200), gateResult.session.settle(200)])
    expect(a).toBe(b)
    await gateResult.session.settle(200)
    expect(facilitator.settleCalls()).toHaveLength(1)
  })
})

describe('a client that leaves', () => {
  it('is not charged when it aborts during the handler', async () => {
    const controller = new AbortController()
    const { app, facilitator, usdcBalance } = setup({}, async () => {
      controller.abort()
      return new Response('too late')
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token, { signal: controller.signal }))
    expect(response.status).toBe(499)
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(usdcBalance()).toBe(1_000_000n)
  })

  it('is not served when it aborted during verification', async () => {
    const controller = new AbortController()
    const { app, facilitator, next } = setup({ speculative: false })
    facilitator.fail('verify', { type: 'delay', ms: 20 })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const pending = app(paidRequest(PREMIUM, token, { signal: controller.signal }))
    controller.abort()
    expect((await pending).status).toBe(499)
    expect(next).not.toHaveBeenCalled()
  })
})

describe('unpaid 402 after abuse', () => {
  it('still offers the route after a bad proof', async () => {
    const { app } = setup()
    const { v2 } = await readPaymentRequired(await app(paidRequest(PREMIUM, 'garbage!', { x402Version: 2 })))
    expect(v2?.accepts[0]).toEqual(usdcOption.requirements)
    expect((await readPaymentRequired(await app(unpaidRequest(PREMIUM)))).v2?.error).toBe('Payment required')
  })
})
