// The settlement outbox: under 'deliver', a settlement that failed for a transient reason is retried later.
import { describe, expect, it } from 'vitest'
import { memoryOutbox } from '../store/memory-outbox.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { paidRequest, readPaymentRequired, readReceipt } from '../testing/requests.js'
import { createOutboxWorker } from './outbox-worker.js'
import { createPaywall } from './paywall.js'
import { BUYER, ORIGIN, USDC_BASE_SEPOLIA, setup, usdcOption } from './test-setup.js'
import type { PaywallEvent } from './types.js'

const PREMIUM = `${ORIGIN}/premium`
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('settlement outbox', () => {
  it('delivers, queues the failed settlement, and settles it when the facilitator is back', async () => {
    const outbox = memoryOutbox()
    const { app, paywall, facilitator, usdcBalance, events } = setup(
      { onSettleFailure: 'deliver', settleTimeoutMs: 30, outbox, outboxWorker: { intervalMs: 60_000 } },
      async () => new Response('content'),
    )
    facilitator.fail('settle', { type: 'hang' })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('content')
    expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'facilitator_timeout' })
    expect(outbox.size).toBe(1)
    expect(usdcBalance()).toBe(1_000_000n)

    facilitator.heal()
    expect(await paywall.outbox.drain()).toBe(1)
    expect(outbox.size).toBe(0)
    expect(usdcBalance()).toBe(990_000n)
    expect(events.map((event) => event.type)).toContain('outbox.settled')
    expect(await paywall.outbox.drain()).toBe(0)
    await paywall.close()
  })

  it('spends the payment on the delivered content: a replay is not served again', async () => {
    const { app, facilitator, paywall } = setup({ onSettleFailure: 'deliver', settleTimeoutMs: 30 }, async () => new Response('content'))
    facilitator.fail('settle', { type: 'throw' })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
    const replay = await app(paidRequest(PREMIUM, token))
    expect(replay.status).toBe(402)
    expect((await readPaymentRequired(replay)).v2?.error).toBe('payment_already_used')
    await paywall.close()
  })

  it('retries with backoff, and drops a settlement refused for good', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(BUYER, 100_000, { asset: USDC_BASE_SEPOLIA })
    const events: PaywallEvent[] = []
    const outbox = memoryOutbox()
    const paywall = createPaywall({
      routes: { '/premium': usdcOption },
      facilitator,
      onSettleFailure: 'deliver',
      outbox,
      outboxWorker: { intervalMs: 60_000, baseDelayMs: 40 },
      onEvent: (event) => events.push(event),
    })
    const app = paywall.protect(() => new Response('content'))
    facilitator.fail('settle', { type: 'throw' }, { times: 2 })
    await app(paidRequest(PREMIUM, facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })))
    expect(await paywall.outbox.drain()).toBe(1) // second failure: rescheduled 40 ms later
    expect(await paywall.outbox.drain()).toBe(0) // not due yet
    await wait(60)
    expect(await paywall.outbox.drain()).toBe(1)
    expect(events.filter((event) => event.type.startsWith('outbox.')).map((event) => event.type)).toEqual(['outbox.enqueued', 'outbox.retry', 'outbox.settled'])

    facilitator.fail('settle', { type: 'throw' }, { times: 1 })
    await app(paidRequest(PREMIUM, facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })))
    facilitator.fail('settle', { type: 'settle-failure', reason: 'insufficient_funds' }, { times: 1 })
    await paywall.outbox.drain()
    expect(events.at(-1)).toMatchObject({ type: 'outbox.failed', reason: 'insufficient_funds' })
    expect(outbox.size).toBe(0)
    await paywall.close()
  })

  it('gives up on an expired authorisation', async () => {
    const outbox = memoryOutbox()
    const events: PaywallEvent[] = []
    const facilitator = createTestFacilitator()
    const { facilitator: other } = setup()
    const token = other.mint({ payer: BUYER, requirements: usdcOption.requirements })
    await outbox.add({
      request: { token, amount: '10000', requirements: usdcOption.requirements, verification: { isValid: true, payer: BUYER } } as never,
      attempts: 1,
      dueAt: 0,
      expiresAt: Date.now() - 1,
      enqueuedAt: 0,
      origin: { route: 'GET /premium', method: 'GET', path: '/premium', tokenHash: 'ab' },
    })
    const worker = createOutboxWorker(outbox, facilitator, 1_000, (type, fields) => events.push({ type, at: 0, ...fields }))
    expect(await worker.drain()).toBe(1)
    expect(events[0]).toMatchObject({ type: 'outbox.expired', tokenHash: 'ab' })
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(outbox.size).toBe(0)
  })

  it('a new instance on the same outbox settles what an earlier one left', async () => {
    const outbox = memoryOutbox()
    const first = setup({ onSettleFailure: 'deliver', settleTimeoutMs: 30, outbox, outboxWorker: { intervalMs: 60_000 } }, async () => new Response('ok'))
    first.facilitator.fail('settle', { type: 'throw' })
    await first.app(paidRequest(PREMIUM, first.facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })))
    await first.paywall.close()
    expect(outbox.size).toBe(1)
    first.facilitator.heal()
    const second = createPaywall({ routes: { '/premium': usdcOption }, facilitator: first.facilitator, outbox, outboxWorker: { intervalMs: 10 } })
    for (let i = 0; i < 50 && outbox.size > 0; i++) await wait(10)
    expect(outbox.size).toBe(0)
    expect(first.usdcBalance()).toBe(990_000n)
    await second.close()
  })
})
