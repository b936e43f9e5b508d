// The buyer's side of Permit2 payments on anvil: wrapFetch with uptoPayer / exactPayer pays a Tollgate paywall
// settled by localFacilitator; the Permit2 approval is sent only when told to; the spend cap counts upto's maximum.
import type { Address, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPaywall, exact, upto, type Paywall } from '../index.js'
import { fundUsdc, usdcBalance, type AnvilClient, type AnvilInstance } from '../evm/anvil.js'
import { localFacilitator } from '../evm/facilitator.js'
import { MAX_UINT256, permit2Allowance } from '../evm/permit2-approve.js'
import { exactPayer, uptoPayer } from './exact-payer.js'
import { getPayment, getReceipt } from './receipt.js'
import { wrapFetch } from './wrap-fetch.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let usdc: Address
let plainToken: Address
let paywall: Paywall
let app: (request: Request) => Promise<Response>

useUsdcChain({ plainToken: 1_000_000n, ready: (chain) => ({ anvil, owner, buyer, payTo, token: usdc, plainToken } = chain) })

beforeAll(async () => {
  const network = `eip155:${anvil.chainId}`
  paywall = createPaywall({
    facilitator: localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50 }),
    routes: {
      'POST /generate': upto({ maxPrice: '$0.05', network, payTo, asset: { address: usdc, name: 'USDC', version: '2', decimals: 6 } }),
      'GET /file': exact({ amount: '20000', network, payTo, asset: plainToken, assetTransferMethod: 'permit2' }),
    },
  })
  app = paywall.protect(async (request, ctx) => {
    if (new URL(request.url).pathname === '/generate') ctx.charge(4321)
    return Response.json({ ok: true })
  })
}, 30_000)

afterAll(async () => {
  await paywall?.close()
})

const fetchApp = (input: string | URL | Request, init?: RequestInit) => app(new Request(input, init))

describe('uptoPayer', () => {
  it('without approve, sends no approval and the server names what is missing', async () => {
    const stranger = anvil.accounts[6]!
    await fundUsdc(owner, usdc, stranger.address, 100_000n)
    const paidFetch = wrapFetch(fetchApp, { payers: [uptoPayer(stranger)] })
    await expect(paidFetch('http://localhost/generate', { method: 'POST' })).rejects.toMatchObject({ code: 'payment_refused', message: expect.stringContaining('permit2_allowance_required') })
    expect(await permit2Allowance(owner, usdc, stranger.address)).toBe(0n)
  })

  it("with approve: 'max', approves Permit2 once, then pays: the maximum authorised, the usage settled", async () => {
    const paidFetch = wrapFetch(fetchApp, { payers: [uptoPayer(buyer, { approve: 'max', rpcUrl: anvil.rpcUrl })], maxAmount: '$0.05' })
    const before = await usdcBalance(owner, usdc, buyer.address)
    const response = await paidFetch('http://localhost/generate', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(getPayment(response)?.offer.requirements.amount).toBe('50000')
    expect(getReceipt(response)).toMatchObject({ success: true, amount: '4321' })
    expect(await usdcBalance(owner, usdc, buyer.address)).toBe(before - 4321n)
    expect(await permit2Allowance(owner, usdc, buyer.address)).toBeGreaterThan(MAX_UINT256 - 10_000n)
    // A second payment needs no second approval: the allowance covers it.
    const nonceBefore = await owner.getTransactionCount({ address: buyer.address })
    expect((await paidFetch('http://localhost/generate', { method: 'POST' })).status).toBe(200)
    expect(await owner.getTransactionCount({ address: buyer.address })).toBe(nonceBefore)
  })

  it('counts the maximum, not the usage, against the spend cap', async () => {
    const paidFetch = wrapFetch(fetchApp, { payers: [uptoPayer(buyer)], maxAmount: '$0.04' })
    await expect(paidFetch('http://localhost/generate', { method: 'POST' })).rejects.toMatchObject({ code: 'over_spend_cap' })
  })

  it('refuses approve without a chain, and a bad approve value, at construction', () => {
    expect(() => uptoPayer(buyer, { approve: 'max' })).toThrow(/rpcUrl or client/)
    expect(() => uptoPayer(buyer, { approve: '-5' as never, rpcUrl: anvil.rpcUrl })).toThrow(/approve must be 'max'/)
  })
})

describe('exactPayer over Permit2', () => {
  it('pays a token without EIP-3009 after approving Permit2 for the amount it was told to', async () => {
    const paidFetch = wrapFetch(fetchApp, { payers: [exactPayer(buyer, { approve: 20_000n, rpcUrl: anvil.rpcUrl })] })
    const [buyerBefore, payeeBefore] = await Promise.all([usdcBalance(owner, plainToken, buyer.address), usdcBalance(owner, plainToken, payTo)])
    const response = await paidFetch('http://localhost/file')
    expect(response.status).toBe(200)
    expect(getReceipt(response)).toMatchObject({ success: true, amount: '20000' })
    expect(await usdcBalance(owner, plainToken, buyer.address)).toBe(buyerBefore - 20_000n)
    expect(await usdcBalance(owner, plainToken, payTo)).toBe(payeeBefore + 20_000n)
    expect(await permit2Allowance(owner, plainToken, buyer.address)).toBe(0n)
  })

  it('does not pay upto offers (uptoPayer does)', () => {
    const offer = { x402Version: 2 as const, requirements: { scheme: 'upto', network: 'eip155:31337' }, raw: { scheme: 'upto', network: 'eip155:31337' }, resource: { url: 'x' }, index: 0 }
    expect(exactPayer(buyer).canPay(offer)).toBe(false)
  })
})
