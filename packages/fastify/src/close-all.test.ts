// The app's close closes every paywall the plugin made, even when one of them fails to close, and reports it.
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { createTestFacilitator } from '@tollgate/x402/testing'
import { closeAll } from './close-all.js'
import { exact, fastifyPaywall, type PaymentOption } from './index.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

/** exact, plus a service whose close() runs `close` (as batch-settlement's claims run on shutdown). */
function withService(key: string, close: () => Promise<void>): PaymentOption {
  const paid = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })
  return {
    ...paid,
    scheme: {
      ...paid.scheme!,
      start(_requirements, deps) {
        if (!deps.services.some((started) => started.key === key)) deps.services.push({ key, close })
      },
    },
  }
}

describe('fastifyPaywall: closing with the app', () => {
  it('closes the second route paywall although the first failed to close, and rejects with that failure', async () => {
    const closed: string[] = []
    const app = Fastify()
    await app.register(fastifyPaywall, { facilitator: createTestFacilitator() })
    const failing = withService('failing', async () => {
      closed.push('first')
      throw new Error('claim failed')
    })
    const fine = withService('fine', async () => void closed.push('second'))
    app.get('/first', { config: { paywall: { accepts: failing } } }, async () => 'first')
    app.get('/second', { config: { paywall: { accepts: fine } } }, async () => 'second')
    await app.ready()
    await expect(app.close()).rejects.toThrow('claim failed')
    expect(closed).toEqual(['first', 'second'])
  })
})

describe('closeAll', () => {
  it('runs every close in order and resolves when none failed', async () => {
    const closed: number[] = []
    await closeAll([1, 2, 3].map((n) => ({ close: async () => void closed.push(n) })))
    expect(closed).toEqual([1, 2, 3])
  })

  it('rejects with an AggregateError of every failure, in order, when several failed', async () => {
    const first = new Error('first')
    const third = new Error('third')
    const closed: number[] = []
    const failing = (n: number, error?: Error) => ({
      close: async () => {
        closed.push(n)
        if (error) throw error
      },
    })
    const rejected = await closeAll([failing(1, first), failing(2), failing(3, third)]).catch((error: unknown) => error)
    expect(closed).toEqual([1, 2, 3])
    expect(rejected).toBeInstanceOf(AggregateError)
    expect((rejected as AggregateError).errors).toEqual([first, third])
  })
})
