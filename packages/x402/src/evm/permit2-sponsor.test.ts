// Gasless Permit2 end to end on anvil: a buyer holding no ETH pays Permit2 offers through createPaywall,
// localFacilitator and wrapFetch. On TestUSDCPermit (EIP-2612) it signs a permit that the settler submits with the
// transfer (settleWithPermit); on TestToken (no EIP-2612) it signs an approve transaction whose gas the settler
// funds, within its cap. Bad permits and approvals are refused with a reason, and nothing moves.
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Address, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPaywall, exact, upto, type Paywall } from '../index.js'
import { eip2612GasSponsoring, erc20ApprovalGasSponsoring } from '../extensions/gas-sponsoring/index.js'
import { exactPayer, uptoPayer } from '../client/exact-payer.js'
import { wrapFetch } from '../client/wrap-fetch.js'
import { deployTestToken, fundUsdc, startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { permit2Allowance } from './permit2-approve.js'

const CAP = 10n ** 15n
let anvil: AnvilInstance
let owner: AnvilClient
let payTo: Address
let usdc: Address
let plainToken: Address
let settler: Address
let paywall: Paywall
let app: (request: Request) => Promise<Response>

beforeAll(async () => {
  ;({ anvil, owner, payTo, token: usdc } = await startUsdcChain({ permit: true }))
  plainToken = await deployTestToken(owner)
  settler = anvil.accounts[5]!.address
  const network = `eip155:${anvil.chainId}`
  const usdcAsset = { address: usdc, name: 'USDC', version: '2', decimals: 6 }
  paywall = createPaywall({
    facilitator: localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50, approvalSponsoring: { maxFundingWei: CAP } }),
    routes: {
      'GET /usdc': { accepts: exact({ amount: '20000', network, payTo, asset: usdcAsset, assetTransferMethod: 'permit2' }), extensions: [eip2612GasSponsoring()] },
      'POST /generate': { accepts: upto({ maxPrice: '$0.05', network, payTo, asset: usdcAsset }), extensions: [eip2612GasSponsoring()] },
      'GET /plain': { accepts: exact({ amount: '30000', network, payTo, asset: plainToken, assetTransferMethod: 'permit2' }), extensions: [erc20ApprovalGasSponsoring()] },
      'GET /eip3009': { accepts: exact({ amount: '1000', network, payTo, asset: usdcAsset }), extensions: [eip2612GasSponsoring()] },
    },
  })
  app = paywall.protect(async (request, ctx) => {
    if (new URL(request.url).pathname === '/generate') ctx.charge(4321)
    return Response.json({ ok: true })
  })
}, 30_000)

afterAll(async () => {
  await paywall?.close()
  await anvil?.stop()
})

const fetchApp = (input: string | URL | Request, init?: RequestInit) => app(new Request(input, init))

/** A fresh buyer holding `tokens` of `token` and no ETH at all. */
async function brokeBuyer(token: Address, tokens: bigint): Promise<PrivateKeyAccount> {
  const buyer = privateKeyToAccount(generatePrivateKey())
  await fundUsdc(owner, token, buyer.address, tokens)
  await owner.request({ method: 'anvil_setBalance' as never, params: [buyer.address, '0x0'] as never })
  expect(await owner.getBalance({ address: buyer.address })).toBe(0n)
  return buyer
}

describe('the route declares gas sponsoring', () => {
  it('in the 402 of a Permit2 offer, as the spec writes it; not on an EIP-3009 route', async () => {
    const required = (response: Response) => JSON.parse(atob(response.headers.get('PAYMENT-REQUIRED')!))
    const declared = required(await app(new Request('http://localhost/usdc'))).extensions
    expect(declared.eip2612GasSponsoring).toMatchObject({ info: { version: '1', description: expect.any(String) }, schema: { type: 'object', required: expect.arrayContaining(['signature', 'nonce', 'deadline']) } })
    expect(required(await app(new Request('http://localhost/plain'))).extensions.erc20ApprovalGasSponsoring.schema.required).toContain('signedTransaction')
    expect(required(await app(new Request('http://localhost/eip3009'))).extensions?.eip2612GasSponsoring).toBeUndefined()
  })
})

describe('EIP-2612 gas sponsoring', () => {
  it('a buyer with no ETH and no allowance pays an exact Permit2 offer: 200, the token moved, its ETH still 0', async () => {
    const buyer = await brokeBuyer(usdc, 100_000n)
    const payeeBefore = await usdcBalance(owner, usdc, payTo)
    const paidFetch = wrapFetch(fetchApp, { payers: [exactPayer(buyer, { rpcUrl: anvil.rpcUrl })] })
    const response = await paidFetch('http://localhost/usdc')
    expect(response.status).toBe(200)
    expect(await usdcBalance(owner, usdc, buyer.address)).toBe(80_000n)
    expect(await usdcBalance(owner, usdc, payTo)).toBe(payeeBefore + 20_000n)
    expect(await owner.getBalance({ address: buyer.address })).toBe(0n)
    // The permit granted Permit2 exactly the permitted amount, which the transfer used.
    expect(await permit2Allowance(owner, usdc, buyer.address)).toBe(0n)
  })

  it('a buyer with no ETH pays an upto offer: the usage settled, its ETH still 0', async () => {
    const buyer = await brokeBuyer(usdc, 100_000n)
    const paidFetch = wrapFetch(fetchApp, { payers: [uptoPayer(buyer, { rpcUrl: anvil.rpcUrl })], maxAmount: '$0.05' })
    const response = await paidFetch('http://localhost/generate', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(await usdcBalance(owner, usdc, buyer.address)).toBe(100_000n - 4321n)
    expect(await owner.getBalance({ address: buyer.address })).toBe(0n)
  })

  it('without a chain to read the allowance from, the buyer signs no permit and is refused as before', async () => {
    const buyer = await brokeBuyer(usdc, 100_000n)
    const paidFetch = wrapFetch(fetchApp, { payers: [exactPayer(buyer)] })
    await expect(paidFetch('http://localhost/usdc')).rejects.toMatchObject({ code: 'payment_refused', message: expect.stringContaining('permit2_allowance_required') })
    expect(await usdcBalance(owner, usdc, buyer.address)).toBe(100_000n)
  })
})

describe('ERC-20 approval gas sponsoring', () => {
  it('a buyer with no ETH pays on a token without EIP-2612: the settler funds and broadcasts its approval, then settles', async () => {
    const buyer = await brokeBuyer(plainToken, 100_000n)
    const settlerBefore = await owner.getBalance({ address: settler })
    const paidFetch = wrapFetch(fetchApp, { payers: [exactPayer(buyer, { rpcUrl: anvil.rpcUrl })] })
    const response = await paidFetch('http://localhost/plain')
    expect(response.status).toBe(200)
    expect(await usdcBalance(owner, plainToken, buyer.address)).toBe(70_000n)
    expect(await permit2Allowance(owner, plainToken, buyer.address)).toBeGreaterThan(10n ** 70n)
    // The settler paid the funding, its own gas, and no more than the cap for the buyer.
    const buyerEth = await owner.getBalance({ address: buyer.address })
    expect(buyerEth).toBeLessThan(CAP)
    expect(settlerBefore - (await owner.getBalance({ address: settler }))).toBeLessThan(CAP + 10n ** 15n)
  })

  it('once approved, the next payment needs no sponsoring', async () => {
    const buyer = await brokeBuyer(plainToken, 100_000n)
    const paidFetch = wrapFetch(fetchApp, { payers: [exactPayer(buyer, { rpcUrl: anvil.rpcUrl })] })
    expect((await paidFetch('http://localhost/plain')).status).toBe(200)
    const funded = await owner.getBalance({ address: buyer.address })
    expect((await paidFetch('http://localhost/plain')).status).toBe(200)
    expect(await owner.getBalance({ address: buyer.address })).toBe(funded)
    expect(await usdcBalance(owner, plainToken, buyer.address)).toBe(40_000n)
  })
})
