// Speculative handling: on a read-only route (GET by default, or a route marked `speculative: true`) a fresh
// single-use payment's handler starts while the facilitator verifies, and its answer is held until verification
// succeeded. A refusal answers what it would have answered anyway, charges nothing, drops the answer unread and
// aborts ctx.signal.
import { describe, expect, it } from 'vitest'
import { readPaymentRequired, readReceipt, paidRequest } from '../testing/requests.js'
import type { Facilitator } from '../facilitator/types.js'
import type { NextHandler, PaymentContext, PaywallOptions } from './types.js'
import { BUYER, ORIGIN, gate, planOption, setup, usdcOption } from './test-setup.js'

const PREMIUM = `${ORIGIN}/premium`

/** A handler whose answer is a stream that records whether anyone read or cancelled it, and what it was told. */
function watchedHandler() {
  const seen = { calls: 0, pulled: false, cancelled: false, verifiedWhenStarted: [] as boolean[], ctx: undefined as PaymentContext | undefined }
  let verified = false
  const handler: NextHandler = async (_request, ctx) => {
    seen.calls++
    seen.verifiedWhenStarted.push(verified)
    seen.ctx = ctx
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          seen.pulled = true
          controller.enqueue(new TextEncoder().encode('paid content'))
          controller.close()
        },
        cancel() {
          seen.cancelled = true
        },
      },
      { highWaterMark: 0 },
    )
    return new Response(body, { status: 200, headers: { 'content-type': 'text/plain' } })
  }
  /** Marks verification answered, so the handler can tell whether it started before that. */
  const watch = (facilitator: Facilitator): Facilitator => ({
    ...facilitator,
    name: facilitator.name,
    verify: async (request, signal) => {
      try {
        return await facilitator.verify(request, signal)
      } finally {
        verified = true
      }
    },
    settle: (request, signal) => facilitator.settle(request, signal),
  })
  return { seen, handler, watch }
}

function speculativeSetup(overrides: Partial<PaywallOptions> = {}) {
  const watched = watchedHandler()
  const base = setup({}, watched.handler)
  const events = base.events
  const facilitator = watched.watch(base.facilitator)
  const { paywall } = setup({ facilitator, onEvent: (event) => events.push(event), ...overrides }, watched.handler)
  return { ...base, paywall, app: paywall.protect(watched.handler), seen: watched.seen }
}

describe('speculative handling', () => {
  it('GET: the handler starts while verification is in flight; the answer goes out once it succeeded, settled once', async () => {
    const { app, facilitator, seen, usdcBalance, events } = speculativeSetup()
    facilitator.fail('verify', { type: 'delay', ms: 30 }, { times: 1 })
    const response = await app(paidRequest(PREMIUM, facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })))
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('paid content')
    expect(seen.verifiedWhenStarted).toEqual([false])
    expect(readReceipt(response)?.success).toBe(true)
    expect(usdcBalance()).toBe(990_000n)
    expect(facilitator.settleCalls()).toHaveLength(1)
    expect(seen.ctx?.payment?.payer).toBe(BUYER)
    expect(seen.ctx?.signal?.aborted).toBe(false)
    // Events say so, from verify.start on.
    const types = events.map((event) => event.type)
    expect(types).toEqual(expect.arrayContaining(['verify.start', 'verify.valid', 'settle.start', 'settle.success']))
    for (const event of events) expect(event.speculative).toBe(true)
  })

  it('an invalid payment: 402 with the reason, nothing charged, the answer never read, ctx.signal aborted', async () => {
    const { app, facilitator, seen, usdcBalance, events } = speculativeSetup()
    const response = await app(paidRequest(PREMIUM, facilitator.forge({ payer: BUYER, requirements: usdcOption.requirements })))
    expect(response.status).toBe(402)
    expect((await readPaymentRequired(response)).v2?.error).toBe('invalid_signature')
    expect(seen.calls).toBe(1)
    expect(seen.pulled).toBe(false)
    expect(seen.cancelled).toBe(true)
    expect(seen.ctx?.signal?.aborted).toBe(true)
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(usdcBalance()).toBe(1_000_000n)
    expect(events.find((event) => event.type === 'verify.invalid')).toMatchObject({ speculative: true, status: 402 })
  })

  it.each([
    ['throws', { type: 'throw' } as const, 502],
    ['answers garbage', { type: 'garbage' } as const, 502],
    ['hangs past the deadline', { type: 'hang' } as const, 504],
  ])('a facilitator that %s -> %i: nothing charged, the answer never read, the payment released', async (_name, fault, status) => {
    const { app, facilitator, seen, usdcBalance } = speculativeSetup({ verifyTimeoutMs: 50 })
    facilitator.fail('verify', fault)
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(status)
    expect(response.headers.get('PAYMENT-RESPONSE')).toBeNull()
    expect(seen.pulled).toBe(false)
    expect(seen.ctx?.signal?.aborted).toBe(true)
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(usdcBalance()).toBe(1_000_000n)
    facilitator.heal()
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
  })

  it('a refusal replaces any status the handler answered (a 404 is not let through unpaid either)', async () => {
    const { facilitator, paywall } = speculativeSetup()
    const app = paywall.protect(async () => new Response('not found, but told to an unverified payer', { status: 404 }))
    const response = await app(paidRequest(PREMIUM, facilitator.forge({ payer: BUYER, requirements: usdcOption.requirements })))
    expect(response.status).toBe(402)
    expect(await response.text()).not.toContain('unverified payer')
  })

  it.each([
    ['an invalid payment', undefined, 402],
    ['a facilitator that throws', { type: 'throw' } as const, 502],
    ['a facilitator that hangs', { type: 'hang' } as const, 504],
  ])('a handler that throws while %s is being refused answers that refusal (402, 502, 504), not a 500; nothing charged', async (_name, fault, status) => {
    const { facilitator, paywall, usdcBalance } = speculativeSetup({ verifyTimeoutMs: 50 })
    if (fault) facilitator.fail('verify', fault, { times: 1 })
    const app = paywall.protect(async () => {
      throw new Error('the handler failed before verification answered')
    })
    const requirements = usdcOption.requirements
    const token = fault ? facilitator.mint({ payer: BUYER, requirements }) : facilitator.forge({ payer: BUYER, requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(status)
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(usdcBalance()).toBe(1_000_000n)
  })

  it('a handler that throws on a payment that verifies is a 500, and the payment stays usable', async () => {
    const { facilitator, paywall, usdcBalance } = speculativeSetup()
    facilitator.fail('verify', { type: 'delay', ms: 20 }, { times: 1 })
    let fail = true
    const app = paywall.protect(async () => {
      if (fail) throw new Error('the handler failed')
      return new Response('paid content')
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(500)
    expect(usdcBalance()).toBe(1_000_000n)
    fail = false
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
    expect(usdcBalance()).toBe(990_000n)
  })

  it('not with an Idempotency-Key: a kept answer for it is found after verification, and the handler must not run again', async () => {
    const { app, facilitator, seen } = speculativeSetup() // idempotent retries are on by default
    const requirements = usdcOption.requirements
    const first = await app(paidRequest(PREMIUM, facilitator.mint({ payer: BUYER, requirements }), { headers: { 'Idempotency-Key': 'order-1' } }))
    expect(first.status).toBe(200)
    await first.text()
    facilitator.fail('verify', { type: 'delay', ms: 10 }, { times: 1 })
    const retry = await app(paidRequest(PREMIUM, facilitator.mint({ payer: BUYER, requirements }), { headers: { 'Idempotency-Key': 'order-1' } }))
    expect(retry.status).toBe(200)
    expect(await retry.text()).toBe('paid content')
    expect(seen.calls).toBe(1)
    expect(seen.verifiedWhenStarted).toEqual([true])
    expect(facilitator.settleCalls()).toHaveLength(1)
  })

  it('ctx.signal aborts as soon as verification refuses, while the handler still works', async () => {
    const { facilitator, paywall } = speculativeSetup()
    facilitator.fail('verify', { type: 'delay', ms: 20 })
    const hold = gate()
    let abortedWhileWorking: boolean | undefined
    const app = paywall.protect(async (_request, ctx) => {
      await new Promise<void>((resolve) => ctx.signal!.addEventListener('abort', () => resolve(), { once: true }))
      abortedWhileWorking = ctx.signal!.aborted
      hold.release()
      return new Response('late')
    })
    const response = await app(paidRequest(PREMIUM, facilitator.forge({ payer: BUYER, requirements: usdcOption.requirements })))
    await hold.opened
    expect(abortedWhileWorking).toBe(true)
    expect(response.status).toBe(402)
  })

  it('two-phase adapters get it too: check() hands back a speculative session whose settle() waits and refuses', async () => {
    const { facilitator, paywall } = speculativeSetup()
    const decided = await paywall.check(paidRequest(PREMIUM, facilitator.forge({ payer: BUYER, requirements: usdcOption.requirements })))
    if (decided.kind !== 'paid') throw new Error(`expected a session, got ${decided.kind}`)
    expect(decided.session.speculative).toBe(true)
    const outcome = await decided.session.settle(200)
    expect(outcome.ok).toBe(false)
    if (!outcome.ok) expect(outcome.response.status).toBe(402)
    expect(facilitator.settleCalls()).toHaveLength(0)
  })
})

describe('routes that do not speculate: the handler never runs before verification', () => {
  it.each([
    ['a POST route', 'POST', { 'POST /premium': usdcOption }],
    ['a GET route marked speculative: false', 'GET', { 'GET /premium': { accepts: usdcOption, speculative: false } }],
    ['a GET route that settles before the handler', 'GET', { 'GET /premium': { accepts: usdcOption, settle: 'before' as const } }],
  ])('%s', async (_name, method, routes) => {
    const { app, facilitator, seen, events } = speculativeSetup({ routes })
    facilitator.fail('verify', { type: 'delay', ms: 10 }, { times: 1 })
    const ok = await app(paidRequest(PREMIUM, facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements }), { method }))
    expect(ok.status).toBe(200)
    expect(seen.verifiedWhenStarted).toEqual([true])
    const refused = await app(paidRequest(PREMIUM, facilitator.forge({ payer: BUYER, requirements: usdcOption.requirements }), { method }))
    expect(refused.status).toBe(402)
    expect(seen.calls).toBe(1)
    for (const event of events) expect(event.speculative).toBeUndefined()
  })

  it('a POST route marked speculative: true does speculate', async () => {
    const { app, facilitator, seen } = speculativeSetup({ routes: { 'POST /premium': { accepts: usdcOption, speculative: true } } })
    facilitator.fail('verify', { type: 'delay', ms: 10 }, { times: 1 })
    const response = await app(paidRequest(PREMIUM, facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements }), { method: 'POST' }))
    expect(response.status).toBe(200)
    expect(seen.verifiedWhenStarted).toEqual([false])
  })

  it('a reusable payment is not speculative (verified once, then from the cache)', async () => {
    const { app, facilitator, seen, events } = speculativeSetup({ routes: { 'GET /premium': { accepts: planOption, speculative: true } } })
    const token = facilitator.mint({ payer: BUYER, requirements: planOption.requirements })
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
    expect(seen.verifiedWhenStarted).toEqual([true, true])
    expect(events.some((event) => event.speculative)).toBe(false)
  })

  it('rejects a speculative option that is not a boolean', () => {
    expect(() => setup({ speculative: 'yes' as unknown as boolean })).toThrow(/speculative/)
    expect(() => setup({ routes: { 'GET /x': { accepts: usdcOption, speculative: 1 as unknown as boolean } } })).toThrow(/speculative/)
  })
})
