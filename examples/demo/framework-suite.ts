// Test support: what `demo --serve --framework X` must do, whatever X is: announce the same JSON line, answer
// through the adapter, be paid by the reference client (@x402/fetch + @x402/evm), and stop on SIGTERM.
import { PAYMENT_REQUIRED, decodePaymentRequired } from '@tollgate/x402'
import { TEST_USDC_ABI } from '@tollgate/x402/evm'
import { decodePaymentResponseHeader, wrapFetchWithPayment } from '@x402/fetch'
import { ensurePermit2Allowance, MAX_UINT256 } from '@tollgate/x402/evm'
import { createPublicClient, createWalletClient, http, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, type DemoProcess, type ServeAnnouncement } from './demo-process.js'
import { referenceClient } from './reference-client.js'
import { createBuyer } from './buyer.js'

/** What every framework announces on chain 31337. */
export const DEMO_ROUTES = [
  { method: 'GET', path: '/weather', scheme: 'exact', network: 'eip155:31337', amount: '1000' },
  { method: 'GET', path: '/premium', scheme: 'exact', network: 'eip155:31337', amount: '10000' },
  { method: 'POST', path: '/generate', scheme: 'upto', network: 'eip155:31337', amount: '50000' },
  { method: 'GET', path: '/quote', scheme: 'batch-settlement', network: 'eip155:31337', amount: '1000' },
]

export function balanceOf(info: ServeAnnouncement, holder: Address): Promise<bigint> {
  const client = createPublicClient({ transport: http(info.chain.rpcUrl) })
  return client.readContract({ address: info.chain.asset, abi: TEST_USDC_ABI, functionName: 'balanceOf', args: [holder] })
}

export function describeFramework(framework: string, { startTimeoutMs = 60_000 }: { startTimeoutMs?: number } = {}) {
  describe(`demo --serve --framework ${framework}`, () => {
    let demo: DemoProcess
    let info: ServeAnnouncement

    beforeAll(async () => {
      ;({ demo, info } = await startServe(['--framework', framework]))
    }, startTimeoutMs)
    afterAll(async () => {
      await demo?.stop()
    })

    it('prints the same JSON line as the default server', () => {
      expect(Object.keys(info)).toEqual(['url', 'routes', 'chain', 'buyer'])
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(info.routes).toEqual(DEMO_ROUTES)
      expect(info.chain).toEqual({ rpcUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), chainId: 31337, asset: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/) })
      expect(privateKeyToAccount(info.buyer.privateKey).address).toBe(info.buyer.address)
      expect(demo.stderr()).toContain(`Paid API on ${info.url} (${framework}`)
    })

    it('serves the free route, a 402 for a paid one, and a JSON 404', async () => {
      const free = await fetch(`${info.url}/`)
      expect(free.status).toBe(200)
      expect(await free.json()).toEqual({ name: 'Tollgate demo API', free: ['GET /'], paid: DEMO_ROUTES })

      const unpaid = await fetch(`${info.url}/premium`)
      expect(unpaid.status).toBe(402)
      const asked = decodePaymentRequired(unpaid.headers.get(PAYMENT_REQUIRED) ?? '')
      expect(asked.ok && asked.value.accepts[0]).toMatchObject({ scheme: 'exact', amount: '10000', asset: info.chain.asset })

      const missing = await fetch(`${info.url}/nothing-here`)
      expect(missing.status).toBe(404)
      expect(await missing.json()).toEqual({ error: 'not_found' })
    })

    it('is paid by the reference client: 200, a receipt it decodes, and the price leaves the buyer', async () => {
      const before = await balanceOf(info, info.buyer.address)
      const pay = wrapFetchWithPayment(fetch, referenceClient(info))

      const response = await pay(`${info.url}/weather`)

      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ city: 'Lisbon', forecast: 'sunny', temperatureC: 21, paidBy: info.buyer.address })
      const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE') ?? '')
      expect(receipt).toMatchObject({ success: true, transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/), network: 'eip155:31337', payer: info.buyer.address })
      expect(before - (await balanceOf(info, info.buyer.address))).toBe(1000n)
      // --serve logs every paywall step, whichever process the server runs in.
      expect(demo.stderr()).toMatch(/\[api\] settle\.success GET \/weather 200/)
    })

    it('charges the metered route (upto) what it used, through the adapter', async () => {
      const buyer = privateKeyToAccount(info.buyer.privateKey)
      await ensurePermit2Allowance(createWalletClient({ account: buyer, transport: http(info.chain.rpcUrl) }), info.chain.asset, 1n, MAX_UINT256)
      const before = await balanceOf(info, info.buyer.address)
      const response = await createBuyer({ account: buyer }).fetch(`${info.url}/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'one two three' }),
      })
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ outputTokens: 6, charged: '600' })
      expect(decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE') ?? '')).toMatchObject({ success: true, amount: '600' })
      expect(before - (await balanceOf(info, info.buyer.address))).toBe(600n)
    })

    it('stops everything on SIGTERM and exits 0', async () => {
      expect(await demo.stop('SIGTERM')).toEqual({ code: 0, signal: null })
      await expect(fetch(`${info.url}/`)).rejects.toThrow()
    })
  })
}
