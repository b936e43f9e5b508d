// Gasless upto on anvil, with buyers holding no ETH: Tollgate's uptoPayer and the reference client (@x402/evm
// 2.27 UptoEvmScheme with `rpcUrl`, through @x402/core's x402Client, which signs either sponsoring extension when
// the 402 declares it and the Permit2 allowance is short) pay Tollgate upto routes declaring
// erc20ApprovalGasSponsoring (a token without EIP-2612: localFacilitator funds and broadcasts the signed approval)
// and eip2612GasSponsoring (its permit goes in with the transfer). Only the amount charged leaves the buyer.
import { x402Client } from '@x402/core/client'
import { UptoEvmScheme as ReferenceUptoClient } from '@x402/evm/upto/client'
import type { Address, PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePaymentRequired, PAYMENT_REQUIRED, PAYMENT_SIGNATURE } from '../codec/headers.js'
import { encodeBase64Json } from '../codec/base64.js'
import { createPaywall, upto, type Paywall } from '../index.js'
import { eip2612GasSponsoring, erc20ApprovalGasSponsoring } from '../extensions/gas-sponsoring/index.js'
import { uptoPayer } from '../client/exact-payer.js'
import { getReceipt } from '../client/receipt.js'
import { wrapFetch } from '../client/wrap-fetch.js'
import { deployTestToken, fundUsdc, startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { permit2Allowance } from './permit2-approve.js'

const CAP = 10n ** 15n
const MAX = 50_000n
const CHARGED = 4321n
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
  const network = `eip155:${anvil.chainId}` as const
  paywall = createPaywall({
    facilitator: localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50, approvalSponsoring: { maxFundingWei: CAP } }),
    routes: {
      'POST /plain': { accepts: upto({ maxAmount: MAX.toString(), network, payTo, asset: plainToken }), extensions: [erc20ApprovalGasSponsoring()] },
      'POST /usdc': { accepts: upto({ maxAmount: MAX.toString(), network, payTo, asset: { address: usdc, name: 'USDC', version: '2', decimals: 6 } }), extensions: [eip2612GasSponsoring()] },
    },
  })
  app = paywall.protect(async (_request, ctx) => {
    ctx.charge(Number(CHARGED))
    return Response.json({ ok: true })
  })
}, 30_000)

afterAll(async () => {
  await paywall?.close()
  await anvil?.stop()
})

const fetchApp = (input: string | URL | Request, init?: RequestInit) => app(new Request(input, init))

/** A fresh buyer holding 100,000 of `token` and no ETH at all. */
async function brokeBuyer(token: Address): Promise<PrivateKeyAccount> {
  const buyer = privateKeyToAccount(generatePrivateKey())
  await fundUsdc(owner, token, buyer.address, 100_000n)
  expect(await owner.getBalance({ address: buyer.address })).toBe(0n)
  return buyer
}

describe("Tollgate's uptoPayer with no ETH, erc20ApprovalGasSponsoring", () => {
  it('200: the settler funds and broadcasts its signed approval, then settles the amount charged, not the maximum', async () => {
    const buyer = await brokeBuyer(plainToken)
    const [payeeBefore, settlerBefore] = [await usdcBalance(owner, plainToken, payTo), await owner.getBalance({ address: settler })]
    const paidFetch = wrapFetch(fetchApp, { payers: [uptoPayer(buyer, { rpcUrl: anvil.rpcUrl })], maxAmount: MAX.toString() })
    const response = await paidFetch('http://localhost/plain', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(getReceipt(response)).toMatchObject({ success: true, amount: CHARGED.toString(), payer: buyer.address })
    expect(await usdcBalance(owner, plainToken, buyer.address)).toBe(100_000n - CHARGED)
    expect(await usdcBalance(owner, plainToken, payTo)).toBe(payeeBefore + CHARGED)
    expect(await permit2Allowance(owner, plainToken, buyer.address)).toBeGreaterThan(10n ** 70n)
    // The buyer spent no ETH of its own (it had none): what is left is the funding its approval's gas did not use.
    expect(await owner.getBalance({ address: buyer.address })).toBeLessThan(CAP)
    expect(settlerBefore - (await owner.getBalance({ address: settler }))).toBeLessThan(CAP + 10n ** 15n)
  })

  it('once approved, the next upto payment is settled without sponsoring: its ETH does not move', async () => {
    const buyer = await brokeBuyer(plainToken)
    const paidFetch = wrapFetch(fetchApp, { payers: [uptoPayer(buyer, { rpcUrl: anvil.rpcUrl })], maxAmount: MAX.toString() })
    expect((await paidFetch('http://localhost/plain', { method: 'POST' })).status).toBe(200)
    const left = await owner.getBalance({ address: buyer.address })
    expect((await paidFetch('http://localhost/plain', { method: 'POST' })).status).toBe(200)
    expect(await owner.getBalance({ address: buyer.address })).toBe(left)
    expect(await usdcBalance(owner, plainToken, buyer.address)).toBe(100_000n - 2n * CHARGED)
  })
})

describe('the reference upto client (@x402/evm 2.27 UptoEvmScheme) with no ETH pays Tollgate upto routes declaring gas sponsoring', () => {
  async function payAsReference(path: string, buyer: PrivateKeyAccount) {
    const unpaid = await fetchApp(`http://localhost${path}`, { method: 'POST' })
    expect(unpaid.status).toBe(402)
    const decoded = decodePaymentRequired(unpaid.headers.get(PAYMENT_REQUIRED)!)
    if (!decoded.ok) throw decoded.error
    const client = new x402Client().register('eip155:*', new ReferenceUptoClient(buyer, { rpcUrl: anvil.rpcUrl })).setSpendControls(false)
    const payload = (await client.createPaymentPayload(decoded.value as Parameters<typeof client.createPaymentPayload>[0])) as unknown as { extensions?: Record<string, { info: Record<string, unknown> }> }
    const response = await fetchApp(`http://localhost${path}`, { method: 'POST', headers: { [PAYMENT_SIGNATURE]: encodeBase64Json(payload) } })
    return { payload, response }
  }

  it('erc20ApprovalGasSponsoring: its signed approval is funded and broadcast; 200, the amount charged moved', async () => {
    const buyer = await brokeBuyer(plainToken)
    const { payload, response } = await payAsReference('/plain', buyer)
    expect(payload.extensions?.erc20ApprovalGasSponsoring?.info).toMatchObject({ from: buyer.address, signedTransaction: expect.stringMatching(/^0x02/) })
    expect(response.status).toBe(200)
    expect(getReceipt(response)).toMatchObject({ success: true, amount: CHARGED.toString() })
    expect(await usdcBalance(owner, plainToken, buyer.address)).toBe(100_000n - CHARGED)
    expect(await owner.getBalance({ address: buyer.address })).toBeLessThan(CAP)
  })

  it('eip2612GasSponsoring: its permit for the maximum goes in with the transfer; 200, the amount charged moved, its ETH still 0', async () => {
    const buyer = await brokeBuyer(usdc)
    const { payload, response } = await payAsReference('/usdc', buyer)
    expect(payload.extensions?.eip2612GasSponsoring?.info).toMatchObject({ from: buyer.address, amount: MAX.toString(), nonce: '0' })
    expect(response.status).toBe(200)
    expect(getReceipt(response)).toMatchObject({ success: true, amount: CHARGED.toString() })
    expect(await usdcBalance(owner, usdc, buyer.address)).toBe(100_000n - CHARGED)
    expect(await owner.getBalance({ address: buyer.address })).toBe(0n)
  })
})
