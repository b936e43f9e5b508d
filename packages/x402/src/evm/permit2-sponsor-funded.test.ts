// Gasless Permit2 when the settler funds a buyer's signed approval and the payment is still not settled, on anvil
// with localFacilitator (approvalSponsoring). What the settler can lose is the funding, at most maxFundingWei (plus
// the funding transfer's own gas); the buyer's tokens do not move; the answer and the paywall's events name why.
// A settle that could be refused before any funding (its amount) is refused before the settler spends anything.
import { encodeFunctionData, parseAbi, type Address, type PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { encodeBase64Json } from '../codec/base64.js'
import type { PaymentRequirements } from '../codec/types.js'
import { exactPayer } from '../client/exact-payer.js'
import { wrapFetch } from '../client/wrap-fetch.js'
import type { Facilitator, SettleRequest } from '../facilitator/types.js'
import { createPaywall, exact, type Paywall } from '../index.js'
import type { PaywallEvent } from '../engine/types.js'
import { erc20ApprovalGasSponsoring } from '../extensions/gas-sponsoring/index.js'
import { proofOf } from '../test-support/proof.js'
import { readPaymentRequired } from '../testing/requests.js'
import { deployTestToken, fundUsdc, startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { MAX_UINT256, permit2Allowance } from './permit2-approve.js'
import { PERMIT2_ADDRESS, PERMIT2_REASONS } from './permit2.js'
import { createPermit2Payment } from './permit2-signer.js'

const CAP = 10n ** 15n
const PRICE = 30_000n
const TOKENS = 100_000n
// The funding transfer is a plain 21,000-gas send; on anvil its fee is far below this.
const FUNDING_GAS_BOUND = 21_000n * 10n ** 10n
const TOKEN_ABI = parseAbi(['function approve(address spender, uint256 value) returns (bool)'])

let anvil: AnvilInstance
let owner: AnvilClient
let payTo: Address
let token: Address
let settler: Address
let facilitator: Facilitator
let paywall: Paywall
let app: (request: Request) => Promise<Response>
const events: PaywallEvent[] = []
const handler = vi.fn(() => Response.json({ secret: 'delivered' }))

beforeAll(async () => {
  ;({ anvil, owner, payTo } = await startUsdcChain())
  token = await deployTestToken(owner) // no EIP-2612: the buyer's way to approve Permit2 is a signed approve
  settler = anvil.accounts[5]!.address
  facilitator = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50, approvalSponsoring: { maxFundingWei: CAP } })
  paywall = createPaywall({
    facilitator,
    idempotency: false,
    onEvent: (event) => void events.push(event),
    routes: { 'GET /plain': { accepts: exact({ amount: PRICE.toString(), network: `eip155:${anvil.chainId}`, payTo, asset: token, assetTransferMethod: 'permit2' }), extensions: [erc20ApprovalGasSponsoring()] } },
  })
  app = paywall.protect(handler)
}, 30_000)

afterAll(async () => {
  await paywall?.close()
  await anvil?.stop()
})

/** A fresh buyer holding TOKENS of the token, no ETH and no Permit2 allowance. */
async function brokeBuyer(): Promise<PrivateKeyAccount> {
  const buyer = privateKeyToAccount(generatePrivateKey())
  await fundUsdc(owner, token, buyer.address, TOKENS)
  expect(await owner.getBalance({ address: buyer.address })).toBe(0n)
  return buyer
}

/** The money each side holds: the buyer's tokens, ETH and allowance, the settler's ETH, the seller's tokens. */
async function books(buyer: Address) {
  return {
    buyerTokens: await usdcBalance(owner, token, buyer),
    buyerEth: await owner.getBalance({ address: buyer }),
    allowance: await permit2Allowance(owner, token, buyer),
    settlerEth: await owner.getBalance({ address: settler }),
    sellerTokens: await usdcBalance(owner, token, payTo),
  }
}

describe('a funded approval, then a settle that is refused', () => {
  it("the permit's deadline passed on chain once approved: 402 naming it, the handler's answer withheld, the buyer's tokens kept, the settler out at most the cap", async () => {
    const buyer = await brokeBuyer()
    const before = await books(buyer.address)
    // The chain runs an hour ahead of the wall clock the buyer signs by: its 300 s permit has expired on chain,
    // which only the dry run of the settle finds out, and that runs once the approval is in (before it, the
    // missing allowance is what the facilitator looks at, and the approval is what it funds).
    await owner.request({ method: 'evm_increaseTime', params: [3_600] } as never)
    await owner.request({ method: 'evm_mine', params: [] } as never)
    const runs = handler.mock.calls.length
    let response!: Response // the last answer, as the buyer's fetch got it
    const paidFetch = wrapFetch(async (request: Request) => {
      const answer = await app(request)
      const body = await answer.text()
      response = new Response(body, { status: answer.status, headers: answer.headers })
      return new Response(body, { status: answer.status, headers: answer.headers })
    }, { payers: [exactPayer(buyer, { rpcUrl: anvil.rpcUrl })] })
    await expect(paidFetch('http://localhost/plain')).rejects.toMatchObject({ code: 'payment_refused', message: expect.stringContaining(PERMIT2_REASONS.simulationFailed) })

    expect(response.status).toBe(402)
    expect(await response.clone().text()).not.toContain('delivered')
    expect(handler.mock.calls.length).toBe(runs + 1) // it ran (settle: 'after'), and its answer did not go out
    expect((await readPaymentRequired(response)).v2?.error).toBe(PERMIT2_REASONS.simulationFailed) // the facilitator's reason, passed on
    const failure = events.find((event) => event.type === 'settle.failure' && event.payer?.toLowerCase() === buyer.address.toLowerCase())
    expect(failure).toMatchObject({ reason: PERMIT2_REASONS.simulationFailed, status: 402 })

    const after = await books(buyer.address)
    expect(after.buyerTokens).toBe(TOKENS) // not charged
    expect(after.sellerTokens).toBe(before.sellerTokens)
    expect(after.allowance).toBe(MAX_UINT256) // the funded approval is in: its next payment needs no sponsoring
    expect(after.buyerEth).toBeGreaterThan(0n)
    expect(after.buyerEth).toBeLessThanOrEqual(CAP)
    // What the settler lost: the funding (within the cap) and the funding transfer's gas; no settle was sent.
    expect(before.settlerEth - after.settlerEth).toBeLessThanOrEqual(CAP + FUNDING_GAS_BOUND)
  }, 60_000)
})

describe('a settle refused for its amount', () => {
  /** A Permit2 payment of the route's offer from `buyer`, carrying its signed approval, as the engine hands it to settle. */
  async function settleRequest(buyer: PrivateKeyAccount, amount: string): Promise<SettleRequest> {
    const requirements: PaymentRequirements = { scheme: 'exact', network: `eip155:${anvil.chainId}`, amount: PRICE.toString(), asset: token, payTo, maxTimeoutSeconds: 300, extra: { assetTransferMethod: 'permit2' } }
    // Valid for two hours of chain time: the chain runs an hour ahead once the test above has run.
    const payment = await createPermit2Payment({ account: buyer, requirements, validForSeconds: 7_200 })
    const fees = await owner.estimateFeesPerGas()
    const signedTransaction = await buyer.signTransaction({
      type: 'eip1559',
      chainId: anvil.chainId,
      nonce: 0,
      to: token,
      data: encodeFunctionData({ abi: TOKEN_ABI, functionName: 'approve', args: [PERMIT2_ADDRESS, MAX_UINT256] }),
      gas: 70_000n,
      maxFeePerGas: fees.maxFeePerGas * 2n,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    })
    const extensions = { erc20ApprovalGasSponsoring: { info: { from: buyer.address, asset: token, spender: PERMIT2_ADDRESS, amount: MAX_UINT256.toString(), signedTransaction, version: '1' } } }
    const header = encodeBase64Json({ ...payment.payload, extensions })
    const paymentRequired = { x402Version: 2 as const, resource: { url: 'http://localhost/plain' }, accepts: [requirements] }
    return { x402Version: 2, token: header, proof: proofOf(header, 2), requirements, paymentRequired, amount, verification: { isValid: true } }
  }

  it.each([
    ['less than the signed amount (exact settles all of it)', (PRICE - 1n).toString(), PERMIT2_REASONS.partialSettlement],
    ['not an amount', '1e3', PERMIT2_REASONS.settlementExceedsAmount],
  ])('%s: refused before the approval is funded; nothing moves', async (_name, amount, reason) => {
    const buyer = await brokeBuyer()
    const request = await settleRequest(buyer, amount)
    expect(await facilitator.verify(request, new AbortController().signal)).toMatchObject({ isValid: true })
    const before = await books(buyer.address)
    expect(await facilitator.settle(request, new AbortController().signal)).toMatchObject({ success: false, errorReason: reason, transaction: '' })
    expect(await books(buyer.address)).toEqual(before) // no ETH sent to the buyer, no approval, no transfer
  }, 60_000)
})
