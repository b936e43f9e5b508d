// Who paid, in one name on the handler's ctx: `ctx.payer` (also `ctx.payment.payer`), undefined where nothing is paid.
import { describe, expect, it } from 'vitest'
import { createTestFacilitator } from '../testing/facilitator.js'
import { payFor, paidRequest, unpaidRequest } from '../testing/requests.js'
import { createPaywall } from './paywall.js'
import { BUYER, USDC_BASE_SEPOLIA, usdcOption } from './test-setup.js'
import type { PaymentContext } from './types.js'

describe('ctx.payer', () => {
  it('names the payer on a paid request and is undefined on a free one', async () => {
    const facilitator = createTestFacilitator()
    facilitator.fund(BUYER, 100_000, { asset: USDC_BASE_SEPOLIA })
    const seen: PaymentContext[] = []
    const handler = createPaywall({ facilitator, routes: { 'GET /weather': usdcOption } }).protect((_request, ctx) => {
      seen.push(ctx)
      return Response.json({ paidBy: ctx.payer ?? null })
    })
    const token = await payFor(await handler(unpaidRequest('/weather')), facilitator, { payer: BUYER })
    expect(await (await handler(paidRequest('/weather', token))).json()).toEqual({ paidBy: BUYER })
    expect(await (await handler(unpaidRequest('/free'))).json()).toEqual({ paidBy: null })
    expect(seen.map((ctx) => [ctx.payer, ctx.payment?.payer])).toEqual([
      [BUYER, BUYER],
      [undefined, undefined],
    ])
  })
})
