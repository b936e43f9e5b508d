// A Solana route end to end on LiteSVM: the seller's offer (svmExact, USDC devnet by default, the facilitator's fee
// payer), the buyer's svmPayer through wrapFetch, localSvmFacilitator co-signing; EVM and Solana offers on one route
// with combineFacilitators routing by network. Balances read before and after every payment.
import { describe, expect, it } from 'vitest'
import { getPayment } from '../../client/receipt.js'
import { wrapFetch } from '../../client/wrap-fetch.js'
import { svmPayer } from '../../client/svm-payer.js'
import { createPaywall } from '../../engine/paywall.js'
import { combineFacilitators } from '../../facilitator/combine.js'
import { readPaymentRequired } from '../../testing/requests.js'
import { createTestFacilitator } from '../../testing/facilitator.js'
import { USDC_MINTS, SOLANA_DEVNET } from '../../svm/constants.js'
import { localSvmFacilitator } from '../../svm/facilitator.js'
import { liteSvmRpc } from '../../svm/litesvm-rpc.js'
import { startSvmCast } from '../../svm/test-support.js'
import { exact } from './options.js'

const EVM_PAY_TO = '0x209693Bc6afc0C5328bA36FaF03C514EF312287C'

async function shop() {
  const cast = await startSvmCast()
  const solana = localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer })
  const evm = createTestFacilitator({ name: 'evm' })
  const facilitator = combineFacilitators([
    { scheme: 'exact', network: 'eip155:*', facilitator: evm },
    { scheme: 'exact', network: 'solana:*', facilitator: solana },
  ])
  const paywall = createPaywall({
    routes: {
      'GET /report': [exact({ price: '$0.01', network: 'base-sepolia', payTo: EVM_PAY_TO }), exact({ price: '$0.01', network: 'solana-devnet', payTo: cast.seller.address })],
    },
    facilitator,
  })
  const app = paywall.protect(async (_request, ctx) => Response.json({ paidBy: ctx.payment?.payer, asset: ctx.payment?.asset }))
  const send = (request: Request) => app(request)
  const payer = svmPayer(cast.buyer, { rpc: liteSvmRpc(cast.world.svm) })
  return { cast, app, send, payer, evm }
}

describe('exact on Solana through the paywall', () => {
  it('offers USDC devnet with the fee payer of the facilitator next to the EVM offer', async () => {
    const { app, cast } = await shop()
    const response = await app(new Request('https://shop.example/report'))
    expect(response.status).toBe(402)
    const [evmOffer, solanaOffer] = (await readPaymentRequired(response)).v2!.accepts
    expect(evmOffer).toMatchObject({ scheme: 'exact', network: 'eip155:84532' })
    expect(solanaOffer).toEqual({
      scheme: 'exact',
      network: SOLANA_DEVNET,
      amount: '10000',
      asset: USDC_MINTS[SOLANA_DEVNET],
      payTo: cast.seller.address,
      maxTimeoutSeconds: 60,
      extra: { feePayer: cast.feePayer.address },
    })
  })

  it('svmPayer pays it through wrapFetch: the seller gets 0.01 USDC, the receipt names the transaction', async () => {
    const { send, payer, cast } = await shop()
    const before = { buyer: await cast.world.tokenBalance(cast.buyer.address), seller: await cast.world.tokenBalance(cast.seller.address) }
    const paying = wrapFetch(send, { payers: [payer] })
    const response = await paying('https://shop.example/report')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ paidBy: cast.buyer.address, asset: USDC_MINTS[SOLANA_DEVNET] })
    const receipt = getPayment(response)?.receipt
    expect(receipt).toMatchObject({ success: true, network: SOLANA_DEVNET, payer: cast.buyer.address })
    expect(receipt?.transaction).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/)
    expect(await cast.world.tokenBalance(cast.buyer.address)).toBe(before.buyer - 10_000n)
    expect(await cast.world.tokenBalance(cast.seller.address)).toBe(before.seller + 10_000n)
  })

  it('the same payment sent twice is served once', async () => {
    const { send, payer, cast } = await shop()
    const sent: Request[] = []
    const paying = wrapFetch(async (request: Request) => (sent.push(request.clone()), send(request)), { payers: [payer] })
    expect((await paying('https://shop.example/report')).status).toBe(200)
    const proof = sent.at(-1)!.headers.get('PAYMENT-SIGNATURE')!
    const replay = await send(new Request('https://shop.example/report', { headers: { 'PAYMENT-SIGNATURE': proof } }))
    // The engine knows it by the buyer's signature: a retry of a settled payment gets the kept answer, with no
    // facilitator call and no second transfer.
    expect(replay.status).toBe(200)
    expect(replay.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await cast.world.tokenBalance(cast.seller.address)).toBe(10_000n)
  })

  it('keeps within the spend cap and the mints the buyer accepts', async () => {
    const { send, payer, cast } = await shop()
    const capped = wrapFetch(send, { payers: [payer], maxAmount: 9_999n })
    await expect(capped('https://shop.example/report')).rejects.toMatchObject({ code: 'over_spend_cap' })
    const otherMint = wrapFetch(send, { payers: [svmPayer(cast.buyer, { rpc: liteSvmRpc(cast.world.svm), mints: ['So11111111111111111111111111111111111111112'] })] })
    await expect(otherMint('https://shop.example/report')).rejects.toMatchObject({ code: 'no_payable_offer' })
    const mainnetOnly = wrapFetch(send, { payers: [svmPayer(cast.buyer, { rpc: liteSvmRpc(cast.world.svm), networks: ['solana'] })] })
    await expect(mainnetOnly('https://shop.example/report')).rejects.toMatchObject({ code: 'no_payable_offer' })
    expect(await cast.world.tokenBalance(cast.seller.address)).toBe(0n)
  })

  it('a Solana offer without a fee payer fails at start-up', () => {
    const facilitator = createTestFacilitator()
    expect(() => createPaywall({ routes: { '/a': exact({ price: '$0.01', network: 'solana', payTo: '2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4' }) }, facilitator })).toThrow(
      /extra\.feePayer/,
    )
  })
})
