// A client that leaves while its payment is being verified must not be charged. Through @hono/node-server it is,
// unless something reads request.signal early: the adapter creates a request's AbortController on the first
// read of `signal`, and an abort before that read is lost. The engine reads `request.signal` only after verify,
// so a client gone during verify looks present: the handler runs and the payment is settled.
// Fix (engine, one line): read `request.signal` when check() starts.
import type { HttpBindings } from '@hono/node-server'
import { createPaywall, type Facilitator } from '@tollgate/x402'
import { createTestFacilitator } from '@tollgate/x402/testing'
import { describe, expect, it } from 'vitest'
import { PLAN_ID, planOption } from './support/fault-run.js'
import { startServer } from './support/server.js'
import { watchForTokens } from './support/token-watch.js'

const watch = watchForTokens()
const PAYER = '0x00000000000000000000000000000000000000aa'

/** One paid request whose client aborts while verify is held open; what happened on each side. */
async function leaveDuringVerify(readSignalEarly: boolean) {
  const inner = createTestFacilitator({ plans: [{ planId: PLAN_ID, credits: 10 }] })
  let verifyStarted!: () => void
  const started = new Promise<void>((resolve) => (verifyStarted = resolve))
  let releaseVerify!: () => void
  const released = new Promise<void>((resolve) => (releaseVerify = resolve))
  const facilitator: Facilitator = {
    verify: async (request, signal) => {
      verifyStarted()
      await released
      return inner.verify(request, signal)
    },
    settle: (request, signal) => inner.settle(request, signal),
  }
  const events: string[] = []
  const paywall = createPaywall({
    routes: { 'GET /paid': planOption },
    facilitator,
    onEvent: (event) => {
      watch.event(event)
      events.push(event.type)
    },
  })
  const app = paywall.protect(async () => Response.json({ paid: 'content' }))
  let sawClose!: () => void
  const closed = new Promise<void>((resolve) => (sawClose = resolve))
  let answered!: (status: number) => void
  const serverStatus = new Promise<number>((resolve) => (answered = resolve))
  const server = await startServer(async (request: Request, env: HttpBindings) => {
    env.outgoing.once('close', () => sawClose())
    if (readSignalEarly) void request.signal.aborted
    const response = await app(request)
    answered(response.status)
    return response
  })
  try {
    const token = watch.token(inner.mint({ payer: PAYER, requirements: planOption.requirements }))
    const controller = new AbortController()
    const request = fetch(`${server.origin}/paid`, { headers: { 'PAYMENT-SIGNATURE': token }, signal: controller.signal })
    await started
    controller.abort()
    await expect(request).rejects.toThrow()
    await closed
    releaseVerify()
    const status = await serverStatus
    return { status, events, settles: inner.settleCalls().length, credits: inner.balance(PAYER, { planId: PLAN_ID }) }
  } finally {
    await server.close()
  }
}

describe('a client that leaves during verify, through @hono/node-server', () => {
  it('is not charged when request.signal was read before the paywall', async () => {
    const outcome = await leaveDuringVerify(true)
    expect(outcome.status).toBe(499)
    expect(outcome.events).toContain('client.aborted')
    expect(outcome.settles).toBe(0)
    expect(outcome.credits).toBe(10n)
  })

  // Found by this suite: @hono/node-server only watches the connection once request.signal is read, so the
  // engine reads it on entry to check().
  it('is not charged when nothing read request.signal before the paywall', async () => {
    const outcome = await leaveDuringVerify(false)
    expect(outcome.status).toBe(499)
    expect(outcome.settles).toBe(0)
    expect(outcome.credits).toBe(10n)
  })
})

describe('tokens', () => {
  it('no event or log line of this file carries a token', () => {
    expect(watch.tokenCount).toBe(2)
    expect(watch.leaks()).toEqual([])
  })
})
