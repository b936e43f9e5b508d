// The Fastify plugin without the contract app: options that fail fast, hijacked replies, the typed request.
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import Fastify from 'fastify'
import { createTestFacilitator, payFor, readReceipt } from '@tollgate/x402/testing'
import { exact, fastifyPaywall } from './index.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })

function setup() {
  const facilitator = createTestFacilitator()
  facilitator.fund(BUYER, 1_000_000, { asset: USDC })
  return { facilitator, app: Fastify() }
}

const toResponse = (reply: { statusCode: number; headers: Record<string, unknown>; payload: string }) =>
  new Response(reply.payload, { status: reply.statusCode, headers: reply.headers as Record<string, string> })

describe('fastifyPaywall', () => {
  it('fails at registration without a facilitator', async () => {
    const app = Fastify()
    await expect(app.register(fastifyPaywall, {} as never).ready()).rejects.toThrow(/facilitator/)
  })

  it('fails when a route is added with a bad paywall config, not on its first request', async () => {
    const { facilitator, app } = setup()
    await app.register(fastifyPaywall, { facilitator })
    expect(() => app.get('/bad', { config: { paywall: { accepts: [] } } }, async () => 'x')).toThrow(/accepts/)
  })

  it('settles through its route config and gives the handler request.payment', async () => {
    const { facilitator, app } = setup()
    await app.register(fastifyPaywall, { facilitator })
    app.get('/paid', { config: { paywall: { accepts: usdc } } }, async (request) => ({ payer: request.payment.payment?.payer }))
    const unpaid = await app.inject('/paid')
    expect(unpaid.statusCode).toBe(402)
    const token = await payFor(toResponse(unpaid), facilitator, { payer: BUYER })
    const paid = await app.inject({ url: '/paid', headers: { 'payment-signature': token } })
    expect(paid.json()).toEqual({ payer: BUYER })
    expect(readReceipt(toResponse(paid))).toMatchObject({ success: true })
  })

  it('answers a retry with the same payment from the kept response, without charging again', async () => {
    const { facilitator, app } = setup()
    let runs = 0
    await app.register(fastifyPaywall, { facilitator })
    app.get('/paid', { config: { paywall: { accepts: usdc } } }, async () => ({ run: ++runs }))
    const token = await payFor(toResponse(await app.inject('/paid')), facilitator, { payer: BUYER })
    const first = await app.inject({ url: '/paid', headers: { 'payment-signature': token } })
    expect(first.json()).toEqual({ run: 1 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const retry = await app.inject({ url: '/paid', headers: { 'payment-signature': token } })
    expect(retry.statusCode).toBe(200)
    expect(retry.json()).toEqual({ run: 1 })
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(facilitator.settleCalls()).toHaveLength(1)
  })

  it.each([
    ['a Node stream', () => Readable.from(['streamed ', 'in ', 'parts'])],
    ['a web stream', () => new Response('streamed in parts').body!],
  ])('keeps a streamed paid answer (%s) for a retry with the same payment', async (_kind, body) => {
    const { facilitator, app } = setup()
    let runs = 0
    await app.register(fastifyPaywall, { facilitator })
    app.get('/stream', { config: { paywall: { accepts: usdc } } }, async (_request, reply) => {
      runs++
      return reply.type('text/plain').send(body())
    })
    const token = await payFor(toResponse(await app.inject('/stream')), facilitator, { payer: BUYER })
    const first = await app.inject({ url: '/stream', headers: { 'payment-signature': token } })
    expect(first.statusCode).toBe(200)
    expect(first.payload).toBe('streamed in parts')
    await new Promise((resolve) => setTimeout(resolve, 20))
    const retry = await app.inject({ url: '/stream', headers: { 'payment-signature': token } })
    expect(retry.statusCode).toBe(200)
    expect(retry.payload).toBe('streamed in parts')
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(runs).toBe(1)
    expect(facilitator.settleCalls()).toHaveLength(1)
  })

  it('a GET handler that throws while its payment is being refused (speculative) answers the refusal, not 500', async () => {
    const { facilitator, app } = setup()
    await app.register(fastifyPaywall, { facilitator })
    app.get('/paid', { config: { paywall: { accepts: usdc } } }, async () => {
      throw new Error('the handler failed before verification answered')
    })
    facilitator.fail('verify', { type: 'delay', ms: 30 })
    const forged = facilitator.forge({ payer: BUYER, requirements: usdc.requirements })
    const refused = await app.inject({ url: '/paid', headers: { 'PAYMENT-SIGNATURE': forged } })
    expect(refused.statusCode).toBe(402)
    expect(refused.headers['payment-required']).toBeTruthy()
    // A payment that verifies gets the handler's 500, and stays usable: nothing was charged.
    const token = facilitator.mint({ payer: BUYER, requirements: usdc.requirements })
    expect((await app.inject({ url: '/paid', headers: { 'PAYMENT-SIGNATURE': token } })).statusCode).toBe(500)
    expect(facilitator.settleCalls()).toEqual([])
    expect(facilitator.balance(BUYER, { asset: USDC })).toBe(1_000_000n)
  })

  it('settles nothing for a hijacked reply, and releases the payment for a retry', async () => {
    const { facilitator, app } = setup()
    await app.register(fastifyPaywall, { facilitator, routes: { '/raw': usdc, '/paid': usdc } })
    app.get('/raw', async (_request, reply) => {
      reply.hijack()
      reply.raw.end('written by hand')
    })
    app.get('/paid', async () => 'paid')
    const token = await payFor(toResponse(await app.inject('/raw')), facilitator, { payer: BUYER })
    const raw = await app.inject({ url: '/raw', headers: { 'payment-signature': token } })
    expect(raw.payload).toBe('written by hand')
    expect(facilitator.settleCalls()).toEqual([])
    // The single-use payment was released, not left locked (which would answer 402 payment_in_use).
    const retry = await app.inject({ url: '/raw', headers: { 'payment-signature': token } })
    expect(retry.statusCode).toBe(200)
    expect(facilitator.settleCalls()).toEqual([])
  })
})
