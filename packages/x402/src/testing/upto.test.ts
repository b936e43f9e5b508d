// The test kit with upto: a paywall unit test with no chain. The test facilitator names itself for upto offers,
// debits what the handler charged, and is not called at all when the handler charged nothing.
import { describe, expect, it } from 'vitest'
import { createPaywall, upto } from '../index.js'
import { createTestFacilitator, TEST_FACILITATOR_ADDRESS } from './facilitator.js'
import { decodePaymentRequired, PAYMENT_REQUIRED } from '../codec/headers.js'
import type { PaymentRequirements } from '../codec/types.js'
import { paidRequest, readReceipt, unpaidRequest } from './requests.js'

const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

function setup(charge: number | undefined) {
  const facilitator = createTestFacilitator()
  facilitator.fund(ALICE, 1_000_000, { asset: USDC })
  const paywall = createPaywall({ facilitator, routes: { 'POST /generate': upto({ maxPrice: '$0.05', network: 'base-sepolia', payTo: PAY_TO }) } })
  const app = paywall.protect((_request, ctx) => {
    if (charge !== undefined) ctx.charge(charge)
    return Response.json({ ok: true })
  })
  return { facilitator, paywall, app }
}

async function offerOf(app: (request: Request) => Promise<Response>): Promise<PaymentRequirements> {
  const unpaid = await app(unpaidRequest('http://localhost/generate', { method: 'POST' }))
  expect(unpaid.status).toBe(402)
  const decoded = decodePaymentRequired(unpaid.headers.get(PAYMENT_REQUIRED)!)
  if (!decoded.ok) throw decoded.error
  return decoded.value.accepts[0]!
}

describe('upto with the test facilitator', () => {
  it('offers the maximum naming the test facilitator, and debits what the handler charged', async () => {
    const { facilitator, app } = setup(1234)
    const offer = await offerOf(app)
    expect(offer).toMatchObject({ scheme: 'upto', amount: '50000', extra: { facilitatorAddress: TEST_FACILITATOR_ADDRESS } })
    const token = facilitator.mint({ payer: ALICE, requirements: offer })
    const response = await app(paidRequest('http://localhost/generate', token, { method: 'POST' }))
    expect(response.status).toBe(200)
    expect(readReceipt(response)).toMatchObject({ success: true, amount: '1234' })
    expect(facilitator.balance(ALICE, { asset: USDC })).toBe(1_000_000n - 1234n)
    expect(facilitator.isUsed(token)).toBe(true)
  })

  it('settles nothing, without a settle call, when the handler charged nothing', async () => {
    const { facilitator, app } = setup(undefined)
    const offer = await offerOf(app)
    const response = await app(paidRequest('http://localhost/generate', facilitator.mint({ payer: ALICE, requirements: offer }), { method: 'POST' }))
    expect(response.status).toBe(200)
    expect(readReceipt(response)).toMatchObject({ success: true, amount: '0', transaction: '' })
    expect(facilitator.settleCalls()).toHaveLength(0)
    expect(facilitator.balance(ALICE, { asset: USDC })).toBe(1_000_000n)
  })
})
