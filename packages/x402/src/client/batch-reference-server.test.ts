// Our paying fetch and batchPayer against the REFERENCE batch-settlement server (@x402/hono + the @x402/evm
// batch-settlement server scheme) and the reference facilitator in-process, on our x402BatchSettlement at the
// canonical address on anvil: one deposit, twenty vouchers, local state wiped and recovered, a refund.
import { BatchSettlementEvmScheme as ReferenceBatchFacilitator } from '@x402/evm/batch-settlement/facilitator'
import { BatchSettlementEvmScheme as ReferenceBatchServer } from '@x402/evm/batch-settlement/server'
import { paymentMiddleware, x402ResourceServer } from '@x402/hono'
import { Hono } from 'hono'
import { getAddress, type Address, type PrivateKeyAccount } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilClient, usdcBalance, type AnvilClient, type AnvilInstance } from '../evm/anvil.js'
import { ensurePermit2Allowance, MAX_UINT256 } from '../evm/permit2-approve.js'
import { channelIdOf, readChannel } from '../evm/batch-settlement/index.js'
import { referenceFacilitator } from '../test-support/reference-facilitator.js'
import { listen } from '../test-support/server.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { memoryBuyerChannelStore } from './batch-channel-store.js'
import { batchPayer } from './batch-payer.js'
import { getPayment, getReceipt } from './receipt.js'
import { wrapFetch } from './wrap-fetch.js'

const CHAIN_ID = 84532
const NETWORK = `eip155:${CHAIN_ID}` as const
const PRICE = 1_000n
/** Enough for 50 requests, within the spend cap (0.10 USDC): one deposit covers the whole story. */
const DEPOSIT = 50_000n

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let authorizer: PrivateKeyAccount
let url: string
let close: () => Promise<void>
let calls = 0

useUsdcChain({ chainId: CHAIN_ID, ready: (chain) => ({ anvil, owner, buyer, payTo, token } = chain) })

beforeAll(async () => {
  authorizer = privateKeyToAccount(anvil.privateKeys[3]!)
  // The facilitator holds the receiver authorizer's key; the server delegates to it (as /supported announces).
  const { client } = referenceFacilitator(anvil, anvil.accounts[5]!, NETWORK, (signer) => new ReferenceBatchFacilitator(signer, authorizer) as never)
  const resourceServer = new x402ResourceServer(client).register(NETWORK, new ReferenceBatchServer(payTo))
  const app = new Hono()
  app.use(
    paymentMiddleware(
      {
        'GET /weather': { accepts: { scheme: 'batch-settlement', network: NETWORK, payTo, price: { amount: PRICE.toString(), asset: token, extra: { name: 'USDC', version: '2' } } } },
        // Another receiver (so another channel), deposits by Permit2.
        'GET /report': {
          accepts: { scheme: 'batch-settlement', network: NETWORK, payTo: anvil.accounts[6]!.address, price: { amount: PRICE.toString(), asset: token, extra: { name: 'USDC', version: '2', assetTransferMethod: 'permit2' } } },
        },
      },
      resourceServer,
    ),
  )
  app.get('/weather', (c) => {
    calls += 1
    return c.json({ weather: 'sunny' })
  })
  app.get('/report', (c) => c.json({ report: 'ok' }))
  ;({ url, close } = await listen(app.fetch))
}, 90_000)

afterAll(async () => {
  await close?.()
})

const channelIdFor = (account: Address) =>
  channelIdOf(
    { payer: account, payerAuthorizer: account, receiver: getAddress(payTo), receiverAuthorizer: authorizer.address, token: getAddress(token), withdrawDelay: 900, salt: `0x${'0'.repeat(64)}` },
    CHAIN_ID,
  )

describe('wrapFetch + batchPayer against the reference batch-settlement server', () => {
  it('deposits once, pays 20 requests by voucher, recovers after its state is wiped, and refunds', async () => {
    const channelId = channelIdFor(buyer.address)
    const buyerBefore = await usdcBalance(owner, token, buyer.address)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 0n, totalClaimed: 0n })

    const payer = batchPayer({ account: buyer, rpcUrl: anvil.rpcUrl, deposit: DEPOSIT })
    const paidFetch = wrapFetch(fetch, { payers: [payer], maxAmount: 100_000n })
    const receipts = []
    for (let i = 0; i < 20; i += 1) {
      const response = await paidFetch(`${url}/weather`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ weather: 'sunny' })
      expect(getPayment(response)?.payer).toBe('batch-settlement-evm')
      receipts.push(getReceipt(response))
    }
    expect(calls).toBe(20)
    // One transaction, the deposit with the first request; the twenty vouchers moved no token.
    const deposits = receipts.filter((receipt) => receipt?.transaction)
    expect(deposits).toHaveLength(1)
    expect(deposits[0]).toMatchObject({ success: true, amount: DEPOSIT.toString() })
    expect(receipts.every((receipt) => receipt?.success === true)).toBe(true)
    expect(await usdcBalance(owner, token, buyer.address)).toBe(buyerBefore! - DEPOSIT)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: DEPOSIT, totalClaimed: 0n })
    const [record] = await payer.channels()
    expect(record).toMatchObject({ channelId, charged: (20n * PRICE).toString(), signed: (20n * PRICE).toString(), balance: DEPOSIT.toString() })

    // Local state lost: a new payer with an empty store reads the chain (nothing claimed yet), signs too low a
    // voucher, checks the seller's corrective 402 (our signature on 20 000) and pays the 21st request once more.
    const fresh = batchPayer({ account: buyer, rpcUrl: anvil.rpcUrl, store: memoryBuyerChannelStore() })
    const recovered = await wrapFetch(fetch, { payers: [fresh], maxAmount: 100_000n })(`${url}/weather`)
    expect(recovered.status).toBe(200)
    expect(calls).toBe(21)
    expect(getReceipt(recovered)?.transaction).toBe('') // no second deposit: the chain said 50 000 were there
    expect((await fresh.channels())[0]).toMatchObject({ charged: (21n * PRICE).toString(), balance: DEPOSIT.toString() })

    // The refund: the seller claims the 21 000 charged and returns the rest to the buyer, on chain.
    const beforeRefund = await usdcBalance(owner, token, buyer.address)
    const result = await fresh.refund(`${url}/weather`)
    expect(calls).toBe(21)
    expect(result).toMatchObject({ channelId, refunded: DEPOSIT - 21n * PRICE })
    expect(await usdcBalance(owner, token, buyer.address)).toBe(beforeRefund! + DEPOSIT - 21n * PRICE)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 21n * PRICE, totalClaimed: 21n * PRICE })
    expect(await fresh.channels()).toEqual([])
  }, 120_000)

  it('deposits by Permit2 when the offer asks for it', async () => {
    await ensurePermit2Allowance(anvilClient(anvil, buyer), token, 1n, MAX_UINT256)
    const receiver = anvil.accounts[6]!.address
    const channelId = channelIdOf({ payer: buyer.address, payerAuthorizer: buyer.address, receiver, receiverAuthorizer: authorizer.address, token: getAddress(token), withdrawDelay: 900, salt: `0x${'0'.repeat(64)}` }, CHAIN_ID)
    const before = await usdcBalance(owner, token, buyer.address)
    const paidFetch = wrapFetch(fetch, { payers: [batchPayer({ account: buyer, rpcUrl: anvil.rpcUrl })] })
    for (let i = 0; i < 3; i += 1) {
      const response = await paidFetch(`${url}/report`)
      expect(response.status).toBe(200)
      expect(getPayment(response)?.offer.requirements.extra).toMatchObject({ assetTransferMethod: 'permit2' })
    }
    // The reference server asks for ten requests' worth (extra.minDeposit): that is what moved.
    expect(await usdcBalance(owner, token, buyer.address)).toBe(before! - 10n * PRICE)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 10n * PRICE, totalClaimed: 0n })
  }, 60_000)
})
