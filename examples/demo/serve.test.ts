// `npm run demo -- --serve`: the JSON announcement, a paid request by our own signer, and a clean stop.
import { PAYMENT_RESPONSE, PAYMENT_REQUIRED, decodePaymentRequired, decodePaymentResponse } from '@tollgate/x402'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBuyer } from './buyer.js'
import { anvilPid, isRunning, rpcAnswers, startNpmDemo, startServe, type DemoProcess, type ServeAnnouncement } from './demo-process.js'

describe('demo --serve', () => {
  let demo: DemoProcess
  let info: ServeAnnouncement

  beforeAll(async () => {
    ;({ demo, info } = await startServe())
  })
  afterAll(async () => {
    await demo?.stop()
  })

  it('prints one JSON object as its first stdout line', () => {
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(info.routes).toEqual([
      { method: 'GET', path: '/weather', scheme: 'exact', network: 'eip155:31337', amount: '1000' },
      { method: 'GET', path: '/premium', scheme: 'exact', network: 'eip155:31337', amount: '10000' },
      { method: 'POST', path: '/generate', scheme: 'upto', network: 'eip155:31337', amount: '50000' },
      { method: 'GET', path: '/quote', scheme: 'batch-settlement', network: 'eip155:31337', amount: '1000' },
    ])
    expect(info.chain).toEqual({ rpcUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), chainId: 31337, asset: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/) })
    expect(privateKeyToAccount(info.buyer.privateKey).address).toBe(info.buyer.address)
    // People read the rest on stderr.
    expect(demo.stderr()).toContain(`Paid API on ${info.url}`)
  })

  it('answers an unpaid request with a 402 naming the deployed token', async () => {
    const response = await fetch(`${info.url}/weather`)
    expect(response.status).toBe(402)
    const decoded = decodePaymentRequired(response.headers.get(PAYMENT_REQUIRED) ?? '')
    expect(decoded.ok && decoded.value.accepts[0]).toMatchObject({ scheme: 'exact', amount: '1000', asset: info.chain.asset })
  })

  it('declares discovery metadata (bazaar) and payment ids on every paid route, and sign-in-with-x on GET /premium', async () => {
    for (const route of info.routes) {
      const response = await fetch(`${info.url}${route.path}`, { method: route.method, ...(route.method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) })
      const asked = decodePaymentRequired(response.headers.get(PAYMENT_REQUIRED) ?? '')
      const declared = asked.ok ? Object.keys(asked.value.extensions ?? {}).sort() : []
      expect(declared, route.path).toEqual(route.path === '/premium' ? ['bazaar', 'payment-identifier', 'sign-in-with-x'] : ['bazaar', 'payment-identifier'])
    }
  })

  it('serves a request paid by our own signer, with a receipt', async () => {
    const buyer = createBuyer({ account: privateKeyToAccount(info.buyer.privateKey) })
    const response = await buyer.fetch(`${info.url}/premium`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ paidBy: info.buyer.address })
    const receipt = decodePaymentResponse(response.headers.get(PAYMENT_RESPONSE) ?? '')
    expect(receipt.ok && receipt.value).toMatchObject({ success: true, transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/), amount: '10000' })
  })

  it('stops the API and anvil on SIGTERM, and exits 0', async () => {
    const pid = anvilPid(demo.stderr())
    expect(isRunning(pid)).toBe(true)
    const result = await demo.stop('SIGTERM')
    expect(result).toEqual({ code: 0, signal: null })
    expect(isRunning(pid)).toBe(false)
    expect(await rpcAnswers(info.chain.rpcUrl)).toBe(false)
    await expect(fetch(`${info.url}/`)).rejects.toThrow()
  })
})

describe('demo --serve, stopped with Ctrl-C', () => {
  it('stops anvil on SIGINT too', async () => {
    const { demo, info } = await startServe()
    const pid = anvilPid(demo.stderr())
    const result = await demo.stop('SIGINT')
    expect(result.code).toBe(0)
    expect(isRunning(pid)).toBe(false)
    expect(await rpcAnswers(info.chain.rpcUrl)).toBe(false)
  })
})

describe('npm run demo -- --serve', () => {
  it('prints the JSON first (with --silent) and stops anvil when npm gets SIGTERM', async () => {
    const { demo, info } = await startServe([], startNpmDemo)
    expect(info.routes.map((route) => route.path)).toEqual(['/weather', '/premium', '/generate', '/quote'])
    const pid = anvilPid(demo.stderr())
    // npm's shell does not pass SIGTERM on; the demo notices it lost its parent and stops by itself.
    await demo.stop('SIGTERM')
    const deadline = Date.now() + 10_000
    while (isRunning(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(isRunning(pid)).toBe(false)
    expect(await rpcAnswers(info.chain.rpcUrl)).toBe(false)
  })
})
