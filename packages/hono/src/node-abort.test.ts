// On Node the adapter tells the core that a client left by looking at the connection, not request.signal (which
// @hono/node-server only wires up when read, at the cost of a second Request). A client that leaves while its
// payment is being verified must still not be charged.
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createTestFacilitator } from '@tollgate/x402/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { plan, paywall, type PaywallEvent } from './index.js'

const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const ask = plan({ planId: '7', credits: 1 })
const stops: Array<() => void> = []
afterEach(() => stops.splice(0).forEach((stop) => stop()))

function leaveDuring(port: number, token: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const request = httpRequest({ host: '127.0.0.1', port, path: '/ask', method: 'GET', headers: { 'PAYMENT-SIGNATURE': token } })
    request.on('error', () => resolve())
    request.end()
    setTimeout(() => {
      request.destroy()
      resolve()
    }, ms)
  })
}

describe('a client that leaves during verification, on @hono/node-server', () => {
  it('is answered 499 and not charged', async () => {
    const facilitator = createTestFacilitator({ plans: [{ planId: '7', credits: 10 }] })
    facilitator.fail('verify', { type: 'delay', ms: 300 })
    const events: PaywallEvent[] = []
    const app = new Hono()
    app.get('/ask', paywall({ accepts: ask, facilitator, onEvent: (event) => events.push(event) }), (c) => c.text('answer'))
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
    stops.push(() => server.close())
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo

    await leaveDuring(port, facilitator.mint({ payer: BUYER, requirements: ask.requirements }), 50)
    for (let i = 0; i < 50 && !events.some((event) => event.type === 'client.aborted'); i++) await new Promise((r) => setTimeout(r, 20))
    expect(events.map((event) => event.type)).toContain('client.aborted')
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(facilitator.balance(BUYER, { planId: '7' })).toBe(10n)
  })
})

describe('headers on @hono/node-server', () => {
  it("reads the proof, Accept and Idempotency-Key from Node's parsed headers", async () => {
    const facilitator = createTestFacilitator({ plans: [{ planId: '7', credits: 10 }] })
    const app = new Hono()
    let runs = 0
    app.get('/ask', paywall({ accepts: ask, facilitator }), (c) => c.text(`answer ${++runs}`))
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
    stops.push(() => server.close())
    await new Promise((resolve) => server.once('listening', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ask`

    const browser = await fetch(url, { headers: { accept: 'text/html' } })
    expect(browser.status).toBe(402)
    expect(browser.headers.get('content-type')).toMatch(/^text\/html/)
    const token = facilitator.mint({ payer: BUYER, requirements: ask.requirements })
    const headers = { 'payment-signature': token, 'idempotency-key': 'k1' }
    expect(await (await fetch(url, { headers })).text()).toBe('answer 1')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await (await fetch(url, { headers })).text()).toBe('answer 1')
    expect(facilitator.settleCalls()).toHaveLength(1)
  })
})
