// Interop both ways for upto and exact over Permit2, on anvil (our Permit2 and proxies at the canonical addresses):
// the reference clients (@x402/evm UptoEvmScheme, ExactEvmScheme with assetTransferMethod "permit2") pay Tollgate
// routes settled by localFacilitator; Tollgate's uptoPayer pays a reference @x402/hono route whose reference
// facilitator (@x402/core + @x402/evm UptoEvmScheme) settles it. Balances and Permit2 nonces are read on chain.
import { x402Client } from '@x402/core/client'
import { ExactEvmScheme as ReferenceExactClient } from '@x402/evm/exact/client'
import { UptoEvmScheme as ReferenceUptoClient } from '@x402/evm/upto/client'
import { UptoEvmScheme as ReferenceUptoFacilitator } from '@x402/evm/upto/facilitator'
import { UptoEvmScheme as ReferenceUptoServer } from '@x402/evm/upto/server'
import { paymentMiddleware, setSettlementOverrides, x402ResourceServer } from '@x402/hono'
import { Hono } from 'hono'
import type { Address, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePaymentRequired, decodePaymentResponse, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE } from '../codec/headers.js'
import { encodeBase64Json } from '../codec/base64.js'
import { createPaywall, exact, httpFacilitator, upto, type Paywall } from '../index.js'
import { getReceipt } from '../client/receipt.js'
import { wrapFetch } from '../client/wrap-fetch.js'
import { uptoPayer } from '../client/exact-payer.js'
import { listen } from '../test-support/server.js'
import { referenceFacilitator } from '../test-support/reference-facilitator.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { PERMIT2_ABI } from './permit2-abi.js'
import { PERMIT2_ADDRESS } from './permit2.js'

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let usdc: Address
let plainToken: Address
let network: `eip155:${number}`

useUsdcChain({
  plainToken: 1_000_000n,
  permit2Approved: true,
  ready: (chain) => {
    ;({ anvil, owner, buyer, payTo, token: usdc, plainToken } = chain)
    network = `eip155:${anvil.chainId}`
  },
})

const balanceOf = (token: Address, holder: Address) => usdcBalance(owner, token, holder)
async function nonceUsed(payer: Address, nonce: string): Promise<boolean> {
  const n = BigInt(nonce)
  const word = await owner.readContract({ address: PERMIT2_ADDRESS, abi: PERMIT2_ABI, functionName: 'nonceBitmap', args: [payer, n >> 8n] })
  return ((word >> (n & 255n)) & 1n) === 1n
}

describe('the reference @x402/evm clients pay Tollgate routes (localFacilitator on anvil)', () => {
  let paywall: Paywall
  let url: string
  let close: () => Promise<void>

  beforeAll(async () => {
    paywall = createPaywall({
      facilitator: localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50 }),
      routes: {
        'POST /generate': upto({ maxPrice: '$0.05', network, payTo, asset: { address: usdc, name: 'USDC', version: '2', decimals: 6 } }),
        'GET /file': exact({ amount: '20000', network, payTo, asset: plainToken, assetTransferMethod: 'permit2' }),
      },
    })
    const app = paywall.protect((request, ctx) => {
      if (new URL(request.url).pathname === '/generate') ctx.charge(2500)
      return Response.json({ ok: true })
    })
    ;({ url, close } = await listen(app))
  })
  afterAll(async () => {
    await close?.()
    await paywall?.close()
  })

  /** The reference client's proof for the route's 402 (scheme registered for every EVM chain). */
  async function referenceProof(path: string, method: string, scheme: ReferenceUptoClient | ReferenceExactClient) {
    const unpaid = await fetch(`${url}${path}`, { method })
    expect(unpaid.status).toBe(402)
    const decoded = decodePaymentRequired(unpaid.headers.get(PAYMENT_REQUIRED)!)
    if (!decoded.ok) throw decoded.error
    const client = new x402Client().register('eip155:*', scheme).setSpendControls(false)
    const payload = await client.createPaymentPayload(decoded.value as Parameters<typeof client.createPaymentPayload>[0])
    return payload as unknown as { payload: { permit2Authorization: { nonce: string; spender: string } } }
  }

  async function send(path: string, method: string, proof: unknown) {
    const response = await fetch(`${url}${path}`, { method, headers: { [PAYMENT_SIGNATURE]: encodeBase64Json(proof) } })
    const header = response.headers.get(PAYMENT_RESPONSE)
    const receipt = header ? decodePaymentResponse(header) : undefined
    return { response, receipt: receipt?.ok ? receipt.value : undefined }
  }

  it('UptoEvmScheme: 200, the receipt carries the amount settled, which alone leaves the buyer; the nonce is spent', async () => {
    const proof = await referenceProof('/generate', 'POST', new ReferenceUptoClient(buyer))
    const nonce = proof.payload.permit2Authorization.nonce
    expect(await nonceUsed(buyer.address, nonce)).toBe(false)
    const [buyerBefore, payeeBefore] = [await balanceOf(usdc, buyer.address), await balanceOf(usdc, payTo)]
    const { response, receipt } = await send('/generate', 'POST', proof)
    expect(response.status).toBe(200)
    expect(receipt).toMatchObject({ success: true, amount: '2500', payer: buyer.address, network })
    expect([await balanceOf(usdc, buyer.address), await balanceOf(usdc, payTo)]).toEqual([buyerBefore - 2500n, payeeBefore + 2500n])
    expect(await nonceUsed(buyer.address, nonce)).toBe(true)
  })

  it('ExactEvmScheme over Permit2: pays a token without EIP-3009, exactly the price', async () => {
    const proof = await referenceProof('/file', 'GET', new ReferenceExactClient(buyer))
    expect(proof.payload.permit2Authorization.spender).toBe('0x402085c248EeA27D92E8b30b2C58ed07f9E20001')
    const [buyerBefore, payeeBefore] = [await balanceOf(plainToken, buyer.address), await balanceOf(plainToken, payTo)]
    const { response, receipt } = await send('/file', 'GET', proof)
    expect(response.status).toBe(200)
    expect(receipt).toMatchObject({ success: true, amount: '20000' })
    expect([await balanceOf(plainToken, buyer.address), await balanceOf(plainToken, payTo)]).toEqual([buyerBefore - 20_000n, payeeBefore + 20_000n])
    expect(await nonceUsed(buyer.address, proof.payload.permit2Authorization.nonce)).toBe(true)
  })
})

describe("Tollgate's uptoPayer pays a reference @x402/hono upto route (reference facilitator on anvil)", () => {
  let url: string
  let close: () => Promise<void>

  beforeAll(async () => {
    const { client: facilitatorClient } = referenceFacilitator(anvil, anvil.accounts[6]!, network, (signer) => new ReferenceUptoFacilitator(signer))
    const resourceServer = new x402ResourceServer(facilitatorClient).register(network, new ReferenceUptoServer())
    const app = new Hono()
    app.use(
      paymentMiddleware(
        {
          'POST /generate': {
            accepts: { scheme: 'upto', network, payTo, price: { amount: '50000', asset: usdc, extra: { name: 'USDC', version: '2' } } },
            description: 'Generate',
          },
        },
        resourceServer,
      ),
    )
    app.post('/generate', (c) => {
      setSettlementOverrides(c, { amount: '3100' })
      return c.json({ text: 'generated' })
    })
    ;({ url, close } = await listen(app.fetch))
  }, 30_000)
  afterAll(async () => {
    await close?.()
  })

  it('pays: 200, the reference receipt says 3100, balances moved by 3100, the maximum counted against the cap', async () => {
    const [buyerBefore, payeeBefore] = [await balanceOf(usdc, buyer.address), await balanceOf(usdc, payTo)]
    const sent: string[] = []
    const recording = async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init)
      const header = request.headers.get(PAYMENT_SIGNATURE)
      if (header) sent.push(header)
      return fetch(request)
    }
    const response = await wrapFetch(recording, { payers: [uptoPayer(buyer)], maxAmount: '$0.05' })(`${url}/generate`, { method: 'POST' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ text: 'generated' })
    expect(getReceipt(response)).toMatchObject({ success: true, amount: '3100', network })
    expect([await balanceOf(usdc, buyer.address), await balanceOf(usdc, payTo)]).toEqual([buyerBefore - 3100n, payeeBefore + 3100n])
    const permit = JSON.parse(Buffer.from(sent[0]!, 'base64').toString('utf8')).payload.permit2Authorization
    expect(permit.witness.facilitator).toBe(anvil.accounts[6]!.address)
    expect(await nonceUsed(buyer.address, permit.nonce)).toBe(true)
    await expect(wrapFetch(recording, { payers: [uptoPayer(buyer)], maxAmount: '$0.049' })(`${url}/generate`, { method: 'POST' })).rejects.toMatchObject({ code: 'over_spend_cap' })
  })
})

describe('httpFacilitator passes upto to a standard facilitator unchanged (the reference one, over HTTP, on anvil)', () => {
  let facilitatorUrl: string
  let closeFacilitator: () => Promise<void>
  const bodies: Array<{ path: string; body: any }> = []
  let failSettle = false

  beforeAll(async () => {
    const { facilitator: reference } = referenceFacilitator(anvil, anvil.accounts[7]!, network, (signer) => new ReferenceUptoFacilitator(signer))
    const app = new Hono()
    app.post('/:endpoint', async (c) => {
      const body = await c.req.json()
      bodies.push({ path: c.req.param('endpoint'), body })
      if (failSettle && c.req.param('endpoint') === 'settle') return c.json({ error: 'down' }, 500)
      const answer = c.req.param('endpoint') === 'verify' ? await reference.verify(body.paymentPayload, body.paymentRequirements) : await reference.settle(body.paymentPayload, body.paymentRequirements)
      return c.json(answer)
    })
    app.get('/supported', (c) => c.json(reference.getSupported()))
    ;({ url: facilitatorUrl, close: closeFacilitator } = await listen(app.fetch))
  }, 30_000)
  afterAll(async () => {
    await closeFacilitator?.()
  })

  function paidApp(charge: number) {
    const paywall = createPaywall({
      facilitator: httpFacilitator({ url: facilitatorUrl }),
      routes: {
        'POST /generate': upto({ maxPrice: '$0.05', network, payTo, asset: { address: usdc, name: 'USDC', version: '2', decimals: 6 }, facilitatorAddress: anvil.accounts[7]!.address }),
      },
    })
    const app = paywall.protect((_request, ctx) => {
      ctx.charge(charge)
      return Response.json({ ok: true })
    })
    return { paywall, fetchApp: (input: string | URL | Request, init?: RequestInit) => app(new Request(input, init)) }
  }

  it('sends the proof verbatim; settle carries the amount charged as paymentRequirements.amount; balances move by it', async () => {
    bodies.length = 0
    const { paywall, fetchApp } = paidApp(4200)
    const before = await balanceOf(usdc, buyer.address)
    const response = await wrapFetch(fetchApp, { payers: [uptoPayer(buyer)], maxAmount: '$0.05' })('http://localhost/generate', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(getReceipt(response)).toMatchObject({ success: true, amount: '4200' })
    expect(await balanceOf(usdc, buyer.address)).toBe(before - 4200n)
    const [verify, settle] = bodies
    expect(verify?.path).toBe('verify')
    expect(verify?.body.paymentRequirements.amount).toBe('50000')
    expect(settle?.path).toBe('settle')
    expect(settle?.body.paymentPayload).toEqual(verify?.body.paymentPayload)
    expect(settle?.body.paymentRequirements).toEqual({ ...verify?.body.paymentRequirements, amount: '4200' })
    await paywall.close()
  })

  it('charges nothing without calling /settle when the handler charged 0', async () => {
    bodies.length = 0
    const { paywall, fetchApp } = paidApp(0)
    const response = await wrapFetch(fetchApp, { payers: [uptoPayer(buyer)], maxAmount: '$0.05' })('http://localhost/generate', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(getReceipt(response)).toMatchObject({ success: true, amount: '0', transaction: '' })
    expect(bodies.map((entry) => entry.path)).toEqual(['verify'])
    await paywall.close()
  })

  it('a facilitator that fails at settle is a 502, and nothing moves', async () => {
    const { paywall, fetchApp } = paidApp(10)
    const before = await balanceOf(usdc, buyer.address)
    // The settle call fails (the verify before it goes through).
    failSettle = true
    try {
      const response = await wrapFetch(fetchApp, { payers: [uptoPayer(buyer)], maxAmount: '$0.05' })('http://localhost/generate', { method: 'POST' })
      expect(response.status).toBe(502)
    } finally {
      failSettle = false
    }
    expect(await balanceOf(usdc, buyer.address)).toBe(before)
    await paywall.close()
  })
})
