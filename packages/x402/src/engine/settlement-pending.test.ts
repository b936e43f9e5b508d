// settlement_pending (the x402 spec's answer for a transaction sent without a receipt in time): what the buyer
// gets, how the outbox reconciles it against that transaction, and that the payment counts once.
import { describe, expect, it } from 'vitest'
import type { Facilitator, SettleRequest } from '../facilitator/types.js'
import { memoryOutbox } from '../store/memory-outbox.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { paidRequest, readReceipt } from '../testing/requests.js'
import { createPaywall } from './paywall.js'
import { BUYER, ORIGIN, USDC_BASE_SEPOLIA, usdcOption } from './test-setup.js'
import type { PaywallEvent, PaywallOptions } from './types.js'

const TX = `0x${'ab'.repeat(32)}`
const PREMIUM = `${ORIGIN}/premium`

/**
 * The test facilitator behind a chain whose transaction is slow: the first settle of a payment answers
 * settlement_pending; once `mined()`, a settle of it (the outbox's, with the hash, or a retry) settles it, once.
 */
function slowChain() {
  const inner = createTestFacilitator()
  inner.fund(BUYER, 1_000_000, { asset: USDC_BASE_SEPOLIA })
  let isMined = false
  const calls: SettleRequest[] = []
  const settledTokens = new Map<string, Awaited<ReturnType<Facilitator['settle']>>>()
  const facilitator: Facilitator = {
    name: 'slow-chain',
    verify: (request, signal) => inner.verify(request, signal),
    async settle(request, signal) {
      calls.push(request)
      const network = request.requirements.network
      if (!isMined) return { success: false, errorReason: 'settlement_pending', errorMessage: 'not mined yet', transaction: TX, network, payer: BUYER }
      const done = settledTokens.get(request.token) ?? { ...(await inner.settle(request, signal)), transaction: TX }
      settledTokens.set(request.token, done)
      return done
    },
  }
  const balance = () => inner.balance(BUYER, { asset: USDC_BASE_SEPOLIA })
  return { facilitator, inner, calls, balance, mined: () => (isMined = true) }
}

function paywallOn(chain: ReturnType<typeof slowChain>, overrides: Partial<PaywallOptions> = {}) {
  const events: PaywallEvent[] = []
  const outbox = memoryOutbox()
  const paywall = createPaywall({
    routes: { 'GET /premium': usdcOption },
    facilitator: chain.facilitator,
    onEvent: (event) => events.push(event),
    outbox,
    outboxWorker: { intervalMs: 60_000, baseDelayMs: 1 },
    ...overrides,
  })
  const app = paywall.protect(async () => new Response('paid content'))
  return { paywall, app, events, outbox }
}

describe('settlement_pending', () => {
  it('answers 504 settlement_pending with the hash and no content; the outbox reconciles it; a retry of the same payment gets the content, paid once', async () => {
    const chain = slowChain()
    const { paywall, app, events, outbox } = paywallOn(chain)
    const token = chain.inner.mint({ payer: BUYER, requirements: usdcOption.requirements })

    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(504)
    expect(await response.json()).toMatchObject({ error: 'settlement_pending' })
    expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'settlement_pending', transaction: TX, payer: BUYER })
    expect(events.find((event) => event.type === 'settle.pending')).toMatchObject({ transaction: TX, status: 504, payer: BUYER })
    expect(outbox.size).toBe(1)

    // Still pending: the outbox asks again later about the same transaction, and sends nothing.
    await paywall.outbox.drain()
    expect(outbox.size).toBe(1)
    expect(chain.calls.at(-1)?.pendingTransaction).toBe(TX)
    expect(events.filter((event) => event.type === 'outbox.retry').at(-1)).toMatchObject({ reason: 'settlement_pending', transaction: TX })
    expect(chain.balance()).toBe(1_000_000n)

    chain.mined()
    await new Promise((resolve) => setTimeout(resolve, 5))
    await paywall.outbox.drain()
    expect(outbox.size).toBe(0)
    expect(events.filter((event) => event.type === 'outbox.settled')).toEqual([expect.objectContaining({ transaction: TX })])
    expect(chain.balance()).toBe(990_000n)

    // The buyer comes back with the same payment: the content, the same transaction, nothing charged again.
    const retry = await app(paidRequest(PREMIUM, token))
    expect(retry.status).toBe(200)
    expect(await retry.text()).toBe('paid content')
    expect(readReceipt(retry)).toMatchObject({ success: true, transaction: TX })
    expect(chain.balance()).toBe(990_000n)
    await paywall.close()
  })

  it("under onSettleFailure 'deliver': the content with the pending receipt, reconciled later", async () => {
    const chain = slowChain()
    const { paywall, app, events, outbox } = paywallOn(chain, { onSettleFailure: 'deliver' })
    const token = chain.inner.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('paid content')
    expect(readReceipt(response)).toMatchObject({ success: false, errorReason: 'settlement_pending', transaction: TX })
    expect(events.find((event) => event.type === 'settle.pending')).toMatchObject({ reason: 'settlement_pending', transaction: TX })
    chain.mined()
    await paywall.outbox.drain()
    expect(outbox.size).toBe(0)
    expect(chain.balance()).toBe(990_000n)
    await paywall.close()
  })

  it('a pending answer without a transaction hash is an ordinary refusal: nothing to reconcile', async () => {
    const chain = slowChain()
    const facilitator: Facilitator = {
      verify: chain.facilitator.verify,
      settle: async (request) => ({ success: false, errorReason: 'settlement_pending', transaction: '', network: request.requirements.network }),
    }
    const { paywall, app, outbox } = paywallOn(chain, { facilitator })
    const token = chain.inner.mint({ payer: BUYER, requirements: usdcOption.requirements })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(402)
    expect(outbox.size).toBe(0)
    await paywall.close()
  })
})
