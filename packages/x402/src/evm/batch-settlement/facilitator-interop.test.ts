// The reference batch-settlement server (@x402/core's resource server with @x402/evm's batch-settlement server
// scheme, behind @x402/hono) and the reference client pay, claim, settle and refund through OUR localFacilitator
// on anvil, against our x402BatchSettlement: a deposit, 20 vouchers, one claim, one settle, a refund; the seller
// delegates the receiver authorizer to our facilitator (its /supported names it). Balances and the channel read
// before and after.
import { x402Client } from '@x402/core/client'
import { toClientEvmSigner } from '@x402/evm'
import { BatchSettlementEvmScheme as ReferenceBatchClient } from '@x402/evm/batch-settlement/client'
import { BatchSettlementEvmScheme as ReferenceBatchServer } from '@x402/evm/batch-settlement/server'
import { wrapFetchWithPayment } from '@x402/fetch'
import { paymentMiddleware, x402ResourceServer } from '@x402/hono'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { asReferenceFacilitator } from '../../test-support/as-reference-facilitator.js'
import { useBatchCast } from '../../test-support/batch-cast.js'
import { batchKit } from '../../test-support/batch-facilitator.js'
import { listen } from '../../test-support/server.js'
import { localFacilitator } from '../facilitator.js'
import { BATCH_SETTLEMENT_ADDRESS } from './constants.js'
import { defaultReceiverAuthorizer } from './receiver-authorizer.js'

const cast = useBatchCast()
let kit: ReturnType<typeof batchKit>
let url: string
let close: () => Promise<void>
let bridge: ReturnType<typeof asReferenceFacilitator>
let serverScheme: ReferenceBatchServer
const PRICE = 1_000n
/** The deposit request (its voucher charges the first request) and 20 voucher requests. */
const CHARGED = 21n * PRICE

beforeAll(async () => {
  kit = batchKit(cast)
  const settler = cast.anvil.privateKeys[6]!
  const facilitator = localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler, pollingIntervalMs: 50 })
  bridge = asReferenceFacilitator(facilitator, [cast.anvil.accounts[6]!.address])
  serverScheme = new ReferenceBatchServer(cast.receiver, { withdrawDelay: 900 })
  const resourceServer = new x402ResourceServer(bridge.client).register(kit.network, serverScheme)
  const app = new Hono()
  app.use(
    paymentMiddleware(
      { 'GET /paid': { accepts: { scheme: 'batch-settlement', network: kit.network, payTo: cast.receiver, price: { amount: PRICE.toString(), asset: kit.token, extra: { name: 'USDC', version: '2' } } }, description: 'Paid' } },
      resourceServer,
    ),
  )
  app.get('/paid', (c) => c.json({ ok: true }))
  ;({ url, close } = await listen(app.fetch))
  expect(defaultReceiverAuthorizer(settler).address).not.toBe(cast.anvil.accounts[6]!.address)
}, 30_000)

afterAll(async () => {
  await close?.()
})

describe('the reference batch-settlement server and client, through our localFacilitator', () => {
  it('a deposit, 20 vouchers, one claim, one settle and a refund: balances and the channel as the spec says', async () => {
    const signer = toClientEvmSigner(cast.payer, cast.owner as never)
    const clientScheme = new ReferenceBatchClient(signer, { depositStrategy: () => '30000' })
    const paidFetch = wrapFetchWithPayment(fetch, new x402Client().register('eip155:*', clientScheme).setSpendControls(false))
    const [payerBefore, receiverBefore, escrowBefore] = [await kit.balanceOf(cast.payer.address), await kit.balanceOf(cast.receiver), await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS)]

    for (let i = 0; i < 21; i++) {
      const response = await paidFetch(`${url}/paid`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ ok: true })
    }
    const deposits = bridge.calls.filter((call) => call.endpoint === 'settle' && call.type === 'deposit')
    expect(deposits).toHaveLength(1)
    const depositAnswer = deposits[0]!.answer as { amount: string; extra: { channelState: { channelId: `0x${string}`; balance: string } } }
    const deposited = BigInt(depositAnswer.amount)
    const channelId = depositAnswer.extra.channelState.channelId
    expect(depositAnswer.extra.channelState.balance).toBe(deposited.toString())
    expect(deposited).toBeGreaterThanOrEqual(CHARGED)
    expect(await kit.balanceOf(cast.payer.address)).toBe(payerBefore - deposited)
    expect(await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS)).toBe(escrowBefore + deposited)
    expect(await kit.stateOf(channelId)).toMatchObject({ balance: deposited, totalClaimed: 0n })

    const manager = serverScheme.createChannelManager(bridge.client, kit.network, kit.token)
    const claims = await manager.claim()
    expect(claims).toHaveLength(1)
    expect(claims[0]!.vouchers).toBe(1)
    expect(await kit.stateOf(channelId)).toMatchObject({ balance: deposited, totalClaimed: CHARGED })
    const settled = await manager.settle()
    expect(settled.transaction).toMatch(/^0x/)
    expect(await kit.balanceOf(cast.receiver)).toBe(receiverBefore + CHARGED)

    const refund = await clientScheme.refund(`${url}/paid`)
    expect(refund).toMatchObject({ success: true, amount: (deposited - CHARGED).toString() })
    expect(await kit.balanceOf(cast.payer.address)).toBe(payerBefore - CHARGED)
    expect(await kit.stateOf(channelId)).toMatchObject({ balance: CHARGED, totalClaimed: CHARGED, refundNonce: 1n })
    // The 20 vouchers after the deposit were checked by the reference server alone (EOA payer authorizer).
    expect(bridge.calls.map((call) => [call.endpoint, call.type, call.answer.success ?? call.answer.isValid, call.answer.amount])).toEqual([
      ['verify', 'deposit', true, undefined],
      ['settle', 'deposit', true, '30000'],
      ['settle', 'claim', true, ''],
      ['settle', 'settle', true, '21000'],
      ['verify', 'refund', true, undefined],
      ['settle', 'refund', true, '9000'],
    ])
  }, 120_000)
})
