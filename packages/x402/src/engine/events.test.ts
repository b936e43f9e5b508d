import { describe, expect, it } from 'vitest'
import { paidRequest, unpaidRequest } from '../testing/requests.js'
import { hashToken } from './hash.js'
import { BUYER, ORIGIN, setup, usdcOption } from './test-setup.js'

describe('events', () => {
  it('tells every step of a paid request, with the token hash and never the token', async () => {
    const { app, facilitator, events } = setup()
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    await app(unpaidRequest(`${ORIGIN}/premium`))
    await app(paidRequest(`${ORIGIN}/premium`, token))
    expect(events.map((event) => event.type)).toEqual(['payment.required', 'verify.start', 'verify.valid', 'settle.start', 'settle.success'])
    const tokenHash = await hashToken(token)
    expect(events.slice(1).every((event) => event.tokenHash === tokenHash)).toBe(true)
    expect(events.at(-1)).toMatchObject({ route: 'GET /premium', method: 'GET', path: '/premium', payer: BUYER, amount: '10000', status: 200, x402Version: 2 })
    expect(events.at(-1)?.transaction).toMatch(/^0x/)
    expect(JSON.stringify(events)).not.toContain(token)
    expect(JSON.stringify(events)).not.toContain(token.slice(8, 40))
  })

  it('tells failures with their reason, and a throwing listener changes nothing', async () => {
    const seen: string[] = []
    const { app, facilitator } = setup({
      verifyTimeoutMs: 20,
      onEvent: (event) => {
        seen.push(`${event.type}:${event.reason ?? ''}`)
        throw new Error('listener bug')
      },
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    facilitator.fail('verify', { type: 'hang' }, { times: 1 })
    expect((await app(paidRequest(`${ORIGIN}/premium`, token))).status).toBe(504)
    facilitator.fail('settle', { type: 'settle-failure', reason: 'insufficient_funds' }, { times: 1 })
    expect((await app(paidRequest(`${ORIGIN}/premium`, token))).status).toBe(402)
    expect((await app(paidRequest(`${ORIGIN}/premium`, 'bad!'))).status).toBe(402)
    expect(seen).toEqual([
      'verify.start:',
      'verify.error:facilitator_timeout',
      'verify.start:',
      'verify.valid:',
      'settle.start:',
      'settle.failure:insufficient_funds',
      'payment.rejected:malformed_payment',
    ])
  })

  it('tells a handler error and a pass-through', async () => {
    let status = 0
    const { app, facilitator, events } = setup({ speculative: false }, async () => {
      if (status === 0) throw new Error('boom')
      return new Response(null, { status })
    })
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    await app(paidRequest(`${ORIGIN}/premium`, token))
    status = 404
    await app(paidRequest(`${ORIGIN}/premium`, token))
    expect(events.map((event) => event.type)).toEqual(['verify.start', 'verify.valid', 'handler.error', 'verify.start', 'verify.cached', 'verify.valid', 'handler.passthrough'])
  })
})
