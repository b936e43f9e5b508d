// The upto scheme through the engine: createPaywall + localFacilitator on anvil. The handler reports usage with
// ctx.charge; the paywall settles that (0 settles nothing, above the maximum is refused), balances read on chain.
import type { Address, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePaymentRequired, decodePaymentResponse, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE } from '../codec/headers.js'
import type { PaymentRequirements, SettleResponse } from '../codec/types.js'
import { createPaywall, isTollgateError, upto, type Facilitator, type Paywall } from '../index.js'
import { usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { createPermit2Payment } from './permit2-signer.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let facilitator: Facilitator
let paywall: Paywall
let app: (request: Request) => Promise<Response>
const charges: Array<(ctx: { charge(amount: string | number | bigint): void }) => void> = []

useUsdcChain({ permit2Approved: true, ready: (chain) => ({ anvil, owner, buyer, payTo, token } = chain) })

beforeAll(async () => {
  facilitator = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50 })
  paywall = createPaywall({
    facilitator,
    routes: {
      'POST /generate': upto({ maxPrice: '$0.05', network: `eip155:${anvil.chainId}`, payTo, asset: { address: token, name: 'USDC', version: '2', decimals: 6 } }),
    },
  })
  app = paywall.protect((_request, ctx) => {
    const step = charges.shift()
    step?.(ctx)
    return Response.json({ charged: ctx.charged, max: ctx.payment?.amount })
  })
}, 30_000)

afterAll(async () => {
  await paywall?.close()
})

async function offer(): Promise<PaymentRequirements> {
  const response = await app(new Request('http://localhost/generate', { method: 'POST' }))
  expect(response.status).toBe(402)
  const decoded = decodePaymentRequired(response.headers.get(PAYMENT_REQUIRED)!)
  if (!decoded.ok) throw decoded.error
  return decoded.value.accepts[0]!
}

async function paidRequest(header: string): Promise<{ response: Response; receipt: SettleResponse | undefined }> {
  const response = await app(new Request('http://localhost/generate', { method: 'POST', headers: { [PAYMENT_SIGNATURE]: header } }))
  const value = response.headers.get(PAYMENT_RESPONSE)
  const decoded = value ? decodePaymentResponse(value) : undefined
  return { response, receipt: decoded?.ok ? decoded.value : undefined }
}

const balances = () => Promise.all([usdcBalance(owner, token, buyer.address), usdcBalance(owner, token, payTo)])

describe('upto through the paywall', () => {
  it('offers the maximum, with Permit2 and the local facilitator named', async () => {
    const requirements = await offer()
    expect(requirements).toMatchObject({
      scheme: 'upto',
      amount: '50000',
      asset: token,
      payTo,
      extra: { assetTransferMethod: 'permit2', facilitatorAddress: anvil.accounts[5]!.address },
    })
  })

  it('settles what the handler charged, and the receipt says so', async () => {
    const payment = await createPermit2Payment({ account: buyer, requirements: await offer() })
    const [buyerBefore, payeeBefore] = await balances()
    charges.push((ctx) => ctx.charge(1234))
    const { response, receipt } = await paidRequest(payment.header)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ charged: '1234', max: '50000' })
    expect(receipt).toMatchObject({ success: true, amount: '1234', payer: buyer.address })
    expect(await balances()).toEqual([buyerBefore - 1234n, payeeBefore + 1234n])
    // The same permit again is an idempotent retry: the kept answer comes back, the handler does not run again and
    // nothing more moves (never a double charge).
    charges.push((ctx) => ctx.charge(1))
    const again = await paidRequest(payment.header)
    expect(await again.response.json()).toEqual({ charged: '1234', max: '50000' })
    expect(await balances()).toEqual([buyerBefore - 1234n, payeeBefore + 1234n])
    charges.length = 0
  })

  it('settles nothing when the handler charges nothing: no transaction, the receipt says 0', async () => {
    const payment = await createPermit2Payment({ account: buyer, requirements: await offer() })
    const before = await balances()
    const blockBefore = await owner.getBlockNumber()
    const { response, receipt } = await paidRequest(payment.header)
    expect(response.status).toBe(200)
    expect(receipt).toEqual({ success: true, transaction: '', network: `eip155:${anvil.chainId}`, amount: '0', payer: buyer.address })
    expect(await balances()).toEqual(before)
    expect(await owner.getBlockNumber()).toBe(blockBefore)
  })

  it('refuses a charge above the maximum at ctx.charge, and charges nothing', async () => {
    const payment = await createPermit2Payment({ account: buyer, requirements: await offer() })
    const before = await balances()
    let refused: unknown
    charges.push((ctx) => {
      try {
        ctx.charge(50_001)
      } catch (error) {
        refused = error
        throw error
      }
    })
    const { response } = await paidRequest(payment.header)
    expect(response.status).toBe(500)
    expect(isTollgateError(refused) && refused.code).toBe('charge_exceeds_verified')
    expect((refused as Error).message).toContain('above the maximum the payer authorised (50000)')
    expect(await balances()).toEqual(before)
  })

  it('a permit for less than the route\'s maximum is refused with 402', async () => {
    const requirements = await offer()
    const payment = await createPermit2Payment({ account: buyer, requirements: { ...requirements, amount: '100' } })
    // The proof claims the real offer, with a smaller maximum signed.
    const forged = Buffer.from(JSON.stringify({ ...payment.payload, accepted: requirements })).toString('base64')
    const { response } = await paidRequest(forged)
    expect(response.status).toBe(402)
    const decoded = decodePaymentRequired(response.headers.get(PAYMENT_REQUIRED)!)
    expect(decoded.ok && decoded.value.error).toBe('permit2_amount_mismatch')
  })
})

describe('upto under faults', () => {
  it('two requests with one permit at once: one is served and charged, the other refused, one charge', async () => {
    const payment = await createPermit2Payment({ account: buyer, requirements: await offer() })
    const [buyerBefore] = await balances()
    charges.push((ctx) => ctx.charge(700), (ctx) => ctx.charge(700))
    const answers = await Promise.all([paidRequest(payment.header), paidRequest(payment.header)])
    charges.length = 0
    expect(answers.map((answer) => answer.response.status).sort()).toEqual([200, 402])
    expect((await balances())[0]).toBe(buyerBefore - 700n)
  })

  it('a settlement past its deadline answers 504, and the facilitator never sends it (nothing charged)', async () => {
    const local = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50 })
    // The settle call starts after the engine's 100 ms deadline: by then the caller gave up.
    const slow: Facilitator = { ...local, settle: (request, signal) => new Promise((resolve, reject) => setTimeout(() => local.settle(request, signal).then(resolve, reject), 300)) }
    const slowPaywall = createPaywall({
      facilitator: slow,
      settleTimeoutMs: 100,
      routes: { 'POST /generate': upto({ maxPrice: '$0.05', network: `eip155:${anvil.chainId}`, payTo, asset: { address: token, name: 'USDC', version: '2', decimals: 6 } }) },
    })
    const slowApp = slowPaywall.protect((_request, ctx) => {
      ctx.charge(900)
      return Response.json({ ok: true })
    })
    const payment = await createPermit2Payment({ account: buyer, requirements: await offer() })
    const before = await balances()
    const response = await slowApp(new Request('http://localhost/generate', { method: 'POST', headers: { [PAYMENT_SIGNATURE]: payment.header } }))
    expect(response.status).toBe(504)
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(await balances()).toEqual(before)
    await slowPaywall.close()
  })
})

describe('upto on a GET route (speculative handling: the handler starts while the facilitator verifies)', () => {
  it('settles what the handler charged once verified, and a refused permit charges nothing', async () => {
    const network = `eip155:${anvil.chainId}`
    const getPaywall = createPaywall({
      facilitator,
      routes: { 'GET /usage': upto({ maxPrice: '$0.05', network, payTo, asset: { address: token, name: 'USDC', version: '2', decimals: 6 } }) },
    })
    let runs = 0
    const getApp = getPaywall.protect((_request, ctx) => {
      runs++
      ctx.charge(321)
      return Response.json({ ok: true })
    })
    const unpaid = await getApp(new Request('http://localhost/usage'))
    const decoded = decodePaymentRequired(unpaid.headers.get(PAYMENT_REQUIRED)!)
    if (!decoded.ok) throw decoded.error
    const requirements = decoded.value.accepts[0]!
    const before = await balances()
    const payment = await createPermit2Payment({ account: buyer, requirements })
    const paid = await getApp(new Request('http://localhost/usage', { headers: { [PAYMENT_SIGNATURE]: payment.header } }))
    expect(paid.status).toBe(200)
    expect(decodePaymentResponse(paid.headers.get(PAYMENT_RESPONSE)!)).toMatchObject({ ok: true, value: { success: true, amount: '321' } })
    expect(await balances()).toEqual([before[0] - 321n, before[1] + 321n])
    // A permit the facilitator refuses (signed for another payee): the handler may have run, nothing is charged.
    const wrong = await createPermit2Payment({ account: buyer, requirements: { ...requirements, payTo: anvil.accounts[9]!.address } })
    const forged = Buffer.from(JSON.stringify({ ...wrong.payload, accepted: requirements })).toString('base64')
    const refused = await getApp(new Request('http://localhost/usage', { headers: { [PAYMENT_SIGNATURE]: forged } }))
    expect(refused.status).toBe(402)
    expect(await balances()).toEqual([before[0] - 321n, before[1] + 321n])
    expect(runs).toBeGreaterThanOrEqual(1)
    await getPaywall.close()
  })
})
