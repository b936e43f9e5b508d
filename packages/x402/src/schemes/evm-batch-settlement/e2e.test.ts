// Tollgate on both sides, end to end over real HTTP, on anvil mining a block every 2 s: batchPayer + wrapFetch pays
// a batchSettlement() route served on loopback, whose facilitator is localFacilitator served as the standard API and
// reached through httpFacilitator (which passes deposit, claim, settle and refund unchanged; the receiver authorizer
// is the facilitator's key, which signs claims and refunds for the seller). A deposit, 30 vouchers, a claim, a settle and a refund; the buyer's, the receiver's and
// the escrow's balances and the channel read on chain before and after add up exactly.
import { getAddress, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPaywall } from '../../engine/paywall.js'
import { usdcBalance, type AnvilClient, type AnvilInstance } from '../../evm/anvil.js'
import { BATCH_SETTLEMENT_ABI, BATCH_SETTLEMENT_ADDRESS, channelIdOf, readChannel } from '../../evm/batch-settlement/index.js'
import { localFacilitator } from '../../evm/facilitator.js'
import { httpFacilitator } from '../../facilitator/http.js'
import type { Facilitator } from '../../facilitator/types.js'
import { memoryStore } from '../../store/memory.js'
import { memoryBuyerChannelStore } from '../../client/batch-channel-store.js'
import { batchPayer } from '../../client/batch-payer.js'
import { getReceipt } from '../../client/receipt.js'
import { wrapFetch } from '../../client/wrap-fetch.js'
import { serveFacilitator, type FacilitatorServer } from '../../test-support/facilitator-server.js'
import { listen, type TestServer } from '../../test-support/server.js'
import { useUsdcChain } from '../../test-support/usdc-chain.js'
import { readChannelRecord } from './channel-record.js'
import { batchSettlement } from './options.js'

const PRICE = 1_000n
const DEPOSIT = 50_000n
const VOUCHERS = 30

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let facilitatorServer: FacilitatorServer
let remote: Facilitator
let shop: TestServer
let store: ReturnType<typeof memoryStore>
const handler = vi.fn(() => Response.json({ weather: 'sunny' }))

useUsdcChain({
  mining: { blockSeconds: 2 }, // Base's block time
  ready: (chain) => ({ anvil, owner, buyer, payTo, token } = chain),
})

beforeAll(async () => {
  const local = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, receiverAuthorizer: anvil.privateKeys[3]!, pollingIntervalMs: 200 })
  facilitatorServer = await serveFacilitator(local)
  remote = httpFacilitator({ url: facilitatorServer.url })
  store = memoryStore()
  // The facilitator's receiver authorizer, by address: it signs the claims and refunds, the seller holds no key.
  const receiverAuthorizer = anvil.accounts[3]!.address
  const option = batchSettlement({ price: '0.001', network: `eip155:${anvil.chainId}`, payTo, asset: { address: token, name: 'USDC', version: '2' }, receiverAuthorizer })
  const paywall = createPaywall({ routes: { 'GET /weather': option }, facilitator: remote, store, idempotency: false })
  shop = await listen(paywall.protect(handler))
}, 60_000)

afterAll(async () => {
  await shop?.close()
  await facilitatorServer?.close()
})

async function ledger(channelId: Hex) {
  const [buyerBalance, receiver, escrow] = await Promise.all([buyer.address, payTo, BATCH_SETTLEMENT_ADDRESS].map((holder) => usdcBalance(owner, token, holder)))
  const [claimed, settled] = await owner.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: BATCH_SETTLEMENT_ABI, functionName: 'receivers', args: [payTo, token] })
  return { buyer: buyerBalance!, receiver: receiver!, escrow: escrow!, channel: await readChannel(owner, channelId), receiverClaimed: claimed, receiverSettled: settled }
}

/** What the seller's claim service hands the facilitator: a payload and the offer it is about. */
function sellerSettle(payload: Record<string, unknown>) {
  const requirements = { scheme: 'batch-settlement', network: `eip155:${anvil.chainId}`, amount: '0', asset: token, payTo, maxTimeoutSeconds: 300, extra: {} }
  const paymentPayload = { x402Version: 2 as const, accepted: requirements, payload }
  return remote.settle(
    {
      x402Version: 2,
      token: '',
      proof: { x402Version: 2, header: '', raw: '', payload: paymentPayload },
      requirements,
      paymentRequired: { x402Version: 2, resource: { url: `${shop.url}/weather` }, accepts: [requirements] },
      amount: '0',
      verification: { isValid: true },
    },
    new AbortController().signal,
  )
}

describe('Tollgate pays Tollgate: batch-settlement end to end (anvil, 2 s blocks, facilitator over HTTP)', () => {
  it('a deposit, 30 vouchers with no chain transaction, a claim, a settle and a refund; the money adds up', async () => {
    const authorizer = getAddress(anvil.accounts[3]!.address)
    const config = { payer: buyer.address, payerAuthorizer: buyer.address, receiver: getAddress(payTo), receiverAuthorizer: authorizer, token: getAddress(token), withdrawDelay: 900, salt: `0x${'0'.repeat(64)}` as Hex }
    const channelId = channelIdOf(config, anvil.chainId)
    const before = await ledger(channelId)
    expect(before.channel).toMatchObject({ balance: 0n, totalClaimed: 0n })

    const payer = batchPayer({ account: buyer, rpcUrl: anvil.rpcUrl, deposit: DEPOSIT, store: memoryBuyerChannelStore() })
    const paidFetch = wrapFetch(fetch, { payers: [payer], maxAmount: 100_000n })
    const receipts = []
    for (let i = 0; i <= VOUCHERS; i += 1) {
      const response = await paidFetch(`${shop.url}/weather`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ weather: 'sunny' })
      receipts.push(getReceipt(response))
    }
    const charged = BigInt(VOUCHERS + 1) * PRICE
    expect(handler).toHaveBeenCalledTimes(VOUCHERS + 1)
    // One transaction, the deposit with the first request; the facilitator saw it and nothing of the 30 vouchers.
    expect(receipts.filter((receipt) => receipt?.transaction)).toHaveLength(1)
    expect(receipts[0]).toMatchObject({ success: true, amount: DEPOSIT.toString(), extra: { chargedAmount: '1000' } })
    expect(receipts.at(-1)).toMatchObject({ success: true, transaction: '', extra: { chargedAmount: '1000', channelState: { chargedCumulativeAmount: charged.toString() } } })
    expect(facilitatorServer.calls.map((call) => `${call.endpoint}:${call.type}`)).toEqual(['verify:deposit', 'settle:deposit'])
    const deposited = await ledger(channelId)
    expect(deposited).toMatchObject({ buyer: before.buyer - DEPOSIT, escrow: before.escrow + DEPOSIT, receiver: before.receiver, channel: { balance: DEPOSIT, totalClaimed: 0n } })
    expect(await payer.channels()).toMatchObject([{ channelId, charged: charged.toString(), signed: charged.toString(), balance: DEPOSIT.toString() }])

    // The claim of the last voucher the seller holds (the facilitator signs it as receiver authorizer), then the sweep.
    const record = (await readChannelRecord(store, channelId))!
    expect(record).toMatchObject({ chargedCumulativeAmount: charged.toString(), signedMaxClaimable: charged.toString() })
    const row = { voucher: { channel: record.channelConfig, maxClaimableAmount: record.signedMaxClaimable }, signature: record.signature, totalClaimed: record.chargedCumulativeAmount }
    const claim = await sellerSettle({ type: 'claim', claims: [row] })
    expect(claim).toMatchObject({ success: true, extra: { claims: [{ channelId, claimed: charged.toString(), totalClaimed: charged.toString() }] } })
    const settle = await sellerSettle({ type: 'settle', receiver: payTo, token })
    expect(settle).toMatchObject({ success: true, amount: charged.toString() })
    const settled = await ledger(channelId)
    expect(settled).toMatchObject({ buyer: deposited.buyer, receiver: before.receiver + charged, escrow: deposited.escrow - charged, receiverClaimed: before.receiverClaimed + charged, receiverSettled: before.receiverSettled + charged })
    expect(settled.channel).toMatchObject({ balance: DEPOSIT, totalClaimed: charged })

    // The refund: the handler does not run; what was not charged goes back to the buyer, on chain.
    const refunded = await payer.refund(`${shop.url}/weather`, { fetch })
    expect(refunded).toMatchObject({ channelId, refunded: DEPOSIT - charged })
    expect(handler).toHaveBeenCalledTimes(VOUCHERS + 1)
    const after = await ledger(channelId)
    expect(after.channel).toMatchObject({ balance: charged, totalClaimed: charged, refundNonce: 1n })
    expect(after).toMatchObject({ buyer: before.buyer - charged, receiver: before.receiver + charged, escrow: before.escrow })
    expect(after.buyer + after.receiver + after.escrow).toBe(before.buyer + before.receiver + before.escrow)
    expect(facilitatorServer.calls.map((call) => `${call.endpoint}:${call.type}`)).toEqual(['verify:deposit', 'settle:deposit', 'settle:claim', 'settle:settle', 'verify:refund', 'settle:refund'])
    expect(await payer.channels()).toEqual([])
  }, 180_000)
})
