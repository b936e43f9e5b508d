// `demo --serve`'s channel route, GET /quote (batch-settlement): announced in the ready line, paid by our buyer
// (one deposit, then vouchers with no transaction) and by the reference batch-settlement client, served by a
// second demo on the first one's chain (--rpc-url, --asset), and claimed and settled to the receiver on SIGTERM.
import { x402Client } from '@x402/core/client'
import { toClientEvmSigner } from '@x402/evm'
import { BatchSettlementEvmScheme as ReferenceBatchClient, InMemoryClientChannelStorage } from '@x402/evm/batch-settlement/client'
import { decodePaymentResponseHeader, wrapFetchWithPayment } from '@x402/fetch'
import { PAYMENT_RESPONSE, decodePaymentResponse } from '@tollgate/x402'
import { bytesToHex, createPublicClient, getAddress, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBuyer } from './buyer.js'
import { anvilPid, isRunning, startServe, type DemoProcess, type ServeAnnouncement } from './demo-process.js'
import { balanceOf } from './framework-suite.js'

const QUOTE = { method: 'GET', path: '/quote', scheme: 'batch-settlement', network: 'eip155:31337', amount: '1000' }

function receiptOf(response: Response) {
  const decoded = decodePaymentResponse(response.headers.get(PAYMENT_RESPONSE) ?? '')
  if (!decoded.ok) throw decoded.error
  return decoded.value as { success: boolean; transaction: string; extra?: { chargedAmount?: string } }
}

describe('demo --serve: GET /quote, sold by channel (batch-settlement)', () => {
  let first: { demo: DemoProcess; info: ServeAnnouncement }
  let joined: { demo: DemoProcess; info: ServeAnnouncement }
  const chain = () => createPublicClient({ transport: http(first.info.chain.rpcUrl), cacheTime: 0 })

  beforeAll(async () => {
    first = await startServe()
    joined = await startServe(['--rpc-url', first.info.chain.rpcUrl, '--asset', first.info.chain.asset])
  }, 120_000)
  afterAll(async () => {
    await joined?.demo.stop()
    await first?.demo.stop()
  })

  it('lists the route with "scheme": "batch-settlement" in the ready line, alone and joined', () => {
    expect(first.info.routes).toContainEqual(QUOTE)
    expect(joined.info.routes).toContainEqual(QUOTE)
    expect(joined.info.chain).toEqual(first.info.chain)
  })

  it('is paid by our buyer: the deposit with the first request, then vouchers that send no transaction', async () => {
    const buyer = createBuyer({ account: privateKeyToAccount(first.info.buyer.privateKey), rpcUrl: first.info.chain.rpcUrl })
    const opened = await buyer.fetch(`${first.info.url}/quote`)
    expect(opened.status).toBe(200)
    expect(await opened.json()).toMatchObject({ symbol: 'USDC', paidBy: first.info.buyer.address })
    expect(receiptOf(opened)).toMatchObject({ success: true, transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/), extra: { chargedAmount: '1000' } })
    const block = await chain().getBlockNumber()
    for (let n = 0; n < 3; n += 1) {
      const response = await buyer.fetch(`${first.info.url}/quote`)
      expect(response.status).toBe(200)
      expect(receiptOf(response)).toMatchObject({ success: true, transaction: '', extra: { chargedAmount: '1000' } })
    }
    expect(await chain().getBlockNumber()).toBe(block)
    expect(await buyer.channels?.channels()).toMatchObject([{ charged: '4000', balance: '50000' }])
  })

  it('is paid by the reference batch-settlement client (@x402/evm), which decodes the receipts itself', async () => {
    const account = privateKeyToAccount(first.info.buyer.privateKey)
    const signer = toClientEvmSigner(account, createPublicClient({ transport: http(first.info.chain.rpcUrl) }) as never)
    const salt = bytesToHex(crypto.getRandomValues(new Uint8Array(32)))
    const scheme = new ReferenceBatchClient(signer, { storage: new InMemoryClientChannelStorage(), salt, rpcUrl: first.info.chain.rpcUrl, depositPolicy: { depositMultiplier: 5 } })
    const pay = wrapFetchWithPayment(fetch, new x402Client().register('eip155:*', scheme as never).setSpendControls(false))
    for (const charged of ['1000', '1000']) {
      const response = await pay(`${first.info.url}/quote`)
      expect(response.status).toBe(200)
      expect(decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE') ?? '')).toMatchObject({ success: true, extra: { chargedAmount: charged } })
    }
  })

  it('joined to another demo\'s chain, is paid there; its SIGTERM claims and settles to the receiver before it exits', async () => {
    const receiver = getAddress(await payToOf(await fetch(`${joined.info.url}/quote`)))
    const buyer = createBuyer({ account: privateKeyToAccount(joined.info.buyer.privateKey), rpcUrl: joined.info.chain.rpcUrl })
    for (let n = 0; n < 5; n += 1) expect((await buyer.fetch(`${joined.info.url}/quote`)).status).toBe(200)
    const before = await balanceOf(first.info, receiver)

    expect(await joined.demo.stop('SIGTERM')).toEqual({ code: 0, signal: null })

    expect(joined.demo.stderr()).toMatch(/\[api\] batch\.claimed channels=1 amount=5000 tx=0x[0-9a-f]{64}/)
    expect(joined.demo.stderr()).toMatch(/\[api\] batch\.settled receiver=0x[0-9a-fA-F]{40} amount=5000 tx=0x[0-9a-f]{64}/)
    expect((await balanceOf(first.info, receiver)) - before).toBe(5000n)
  })

  it('on SIGTERM, claims and settles what its channels hold before anvil stops, and exits 0', async () => {
    const pid = anvilPid(first.demo.stderr())
    expect(await first.demo.stop('SIGTERM')).toEqual({ code: 0, signal: null })
    const err = first.demo.stderr()
    // Our buyer's channel (4 requests) and the reference client's (2): one claim of both, one settle.
    expect(err).toMatch(/\[api\] batch\.claimed channels=2 amount=6000 tx=0x[0-9a-f]{64}/)
    expect(err).toMatch(/\[api\] batch\.settled receiver=0x[0-9a-fA-F]{40} amount=6000 tx=0x[0-9a-f]{64}/)
    expect(err.indexOf('batch.settled')).toBeLessThan(err.indexOf('stopped anvil'))
    expect(isRunning(pid)).toBe(false)
  })
})

/** The payTo of a route's 402. */
async function payToOf(response: Response): Promise<string> {
  const header = response.headers.get('PAYMENT-REQUIRED') ?? ''
  return (JSON.parse(atob(header)) as { accepts: { payTo: string }[] }).accepts[0]!.payTo
}
