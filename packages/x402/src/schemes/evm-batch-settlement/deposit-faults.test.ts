// A facilitator fault during a batch-settlement deposit, end to end over HTTP on anvil (batchPayer + wrapFetch, a
// Tollgate route, localFacilitator behind httpFacilitator): one that hangs (504), fails (502), loses its answer after
// depositing (502), or sends the deposit without a receipt in time (504 settlement_pending). Each time the buyer gets
// no content, nothing is charged, the channel is free at once, and the retry deposits once: never twice on chain.
import type { Address, Hex, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { decodePaymentResponse, PAYMENT_RESPONSE } from '../../codec/headers.js'
import { createPaywall } from '../../engine/paywall.js'
import { usdcBalance, type AnvilClient, type AnvilInstance } from '../../evm/anvil.js'
import { channelIdOf, readChannel } from '../../evm/batch-settlement/index.js'
import { localFacilitator } from '../../evm/facilitator.js'
import { httpFacilitator } from '../../facilitator/http.js'
import { memoryStore } from '../../store/memory.js'
import { batchPayer } from '../../client/batch-payer.js'
import { wrapFetch } from '../../client/wrap-fetch.js'
import { serveFacilitator, type Fault, type FacilitatorServer } from '../../test-support/facilitator-server.js'
import { listen, type TestServer } from '../../test-support/server.js'
import { useUsdcChain } from '../../test-support/usdc-chain.js'
import { readChannelRecord } from './channel-record.js'
import { batchSettlement } from './options.js'

const DEPOSIT = 20_000n
/** One route per scenario, each to its own receiver: its own channel. */
const RECEIVERS = { hang: 6, error: 7, 'lose-answer': 8, pending: 9 } as const

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let token: Address
let authorizer: Address
const servers: Array<{ close(): Promise<void> }> = []
const store = memoryStore()
const handler = vi.fn(() => Response.json({ weather: 'sunny' }))
let faulty: FacilitatorServer
let slow: FacilitatorServer
let shop: TestServer
const rpc = (method: string, params: unknown[] = []) => owner.request({ method, params } as never)

useUsdcChain({ ready: (chain) => ({ anvil, owner, buyer, token } = chain) })

beforeAll(async () => {
  authorizer = anvil.accounts[3]!.address
  const facilitatorOptions = { rpcUrl: anvil.rpcUrl, receiverAuthorizer: anvil.privateKeys[3]!, pollingIntervalMs: 100 }
  faulty = await serveFacilitator(localFacilitator({ ...facilitatorOptions, settler: anvil.privateKeys[5]! }))
  // Gives up on a receipt after 800 ms: with blocks mined by hand, its deposit is settlement_pending.
  slow = await serveFacilitator(localFacilitator({ ...facilitatorOptions, settler: anvil.privateKeys[4]!, receiptTimeoutMs: 800 }))
  const route = (scenario: keyof typeof RECEIVERS) =>
    batchSettlement({ price: '0.001', network: `eip155:${anvil.chainId}`, payTo: anvil.accounts[RECEIVERS[scenario]]!.address, asset: { address: token, name: 'USDC', version: '2' }, receiverAuthorizer: authorizer })
  const options = { store, idempotency: false as const, verifyTimeoutMs: 3_000, settleTimeoutMs: 3_000 }
  const faultyShop = createPaywall({ ...options, routes: { 'GET /hang': route('hang'), 'GET /error': route('error'), 'GET /lose-answer': route('lose-answer') }, facilitator: httpFacilitator({ url: faulty.url }) })
  const slowShop = createPaywall({ ...options, routes: { 'GET /pending': route('pending') }, facilitator: httpFacilitator({ url: slow.url }) })
  const [fast, pendingApp] = [faultyShop.protect(handler), slowShop.protect(handler)]
  shop = await listen((request) => (new URL(request.url).pathname === '/pending' ? pendingApp(request) : fast(request)))
  servers.push(shop, faulty, slow)
}, 60_000)

afterAll(async () => {
  for (const server of servers) await server.close()
})

function channelOf(scenario: keyof typeof RECEIVERS): Hex {
  const receiver = anvil.accounts[RECEIVERS[scenario]]!.address
  return channelIdOf({ payer: buyer.address, payerAuthorizer: buyer.address, receiver, receiverAuthorizer: authorizer, token, withdrawDelay: 900, salt: `0x${'0'.repeat(64)}` }, anvil.chainId)
}

const receiptOf = (response: Response) => {
  const header = response.headers.get(PAYMENT_RESPONSE)
  const decoded = header ? decodePaymentResponse(header) : undefined
  return decoded?.ok ? decoded.value : undefined
}

/** The buyer's first request of `scenario` meets the fault: its status, and what the chain and the seller hold then. */
async function faultedThenRetried(scenario: keyof typeof RECEIVERS, fault: Fault | undefined, status: number, server = faulty) {
  const channelId = channelOf(scenario)
  const paidFetch = wrapFetch(fetch, { payers: [batchPayer({ account: buyer, rpcUrl: anvil.rpcUrl, deposit: DEPOSIT })], maxAmount: 100_000n })
  const buyerBefore = await usdcBalance(owner, token, buyer.address)
  const handled = handler.mock.calls.length
  if (fault) server.inject(fault, { endpoint: 'settle', type: 'deposit' })
  const failed = await paidFetch(`${shop.url}/${scenario}`)
  expect(failed.status).toBe(status)
  expect(await failed.text()).not.toContain('sunny')
  // Nothing charged: the seller holds no count for the channel.
  expect(await readChannelRecord(store, channelId)).toBeUndefined()
  return { channelId, paidFetch, buyerBefore, handled }
}

describe('a facilitator fault during a batch-settlement deposit', () => {
  it.each([
    ['hang', 504],
    ['error', 502],
  ] as const)('%s before it deposits: %i, nothing on chain, and the retry deposits once', async (scenario, status) => {
    const { channelId, paidFetch, buyerBefore } = await faultedThenRetried(scenario, scenario, status)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 0n })
    const retried = await paidFetch(`${shop.url}/${scenario}`)
    expect(retried.status).toBe(200)
    expect(receiptOf(retried)).toMatchObject({ success: true, amount: DEPOSIT.toString(), extra: { chargedAmount: '1000' } })
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: DEPOSIT, totalClaimed: 0n })
    expect(await usdcBalance(owner, token, buyer.address)).toBe(buyerBefore! - DEPOSIT)
    expect(await readChannelRecord(store, channelId)).toMatchObject({ chargedCumulativeAmount: '1000', balance: DEPOSIT.toString() })
  }, 60_000)

  it('loses its answer after depositing: 502; the retry finds the deposit on chain and pays by voucher', async () => {
    const { channelId, paidFetch, buyerBefore } = await faultedThenRetried('lose-answer', 'lose-answer', 502)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: DEPOSIT })
    const settles = faulty.calls.filter((call) => call.endpoint === 'settle').length
    const retried = await paidFetch(`${shop.url}/lose-answer`)
    expect(retried.status).toBe(200)
    expect(receiptOf(retried)).toMatchObject({ success: true, transaction: '', extra: { chargedAmount: '1000', channelState: { chargedCumulativeAmount: '1000' } } })
    expect(faulty.calls.filter((call) => call.endpoint === 'settle')).toHaveLength(settles) // no second deposit asked
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: DEPOSIT, totalClaimed: 0n })
    expect(await usdcBalance(owner, token, buyer.address)).toBe(buyerBefore! - DEPOSIT)
  }, 60_000)

  it('sends the deposit without a receipt in time: 504 settlement_pending with the hash; retries are answered about it; paid once', async () => {
    await rpc('evm_setAutomine', [false])
    try {
      const { channelId, paidFetch, buyerBefore, handled } = await faultedThenRetried('pending', undefined, 504, slow)
      const pending = slow.calls.at(-1)!.answer as { errorReason: string; transaction: string }
      expect(pending).toMatchObject({ errorReason: 'settlement_pending', transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) })
      // Still unmined: the retry resends the same authorization, answered about the same transaction.
      const again = await paidFetch(`${shop.url}/pending`)
      expect(again.status).toBe(504)
      expect(receiptOf(again)).toMatchObject({ success: false, errorReason: 'settlement_pending', transaction: pending.transaction })
      expect(Number(((await rpc('txpool_status')) as { pending: string }).pending)).toBe(1)
      await rpc('evm_mine')
      expect(await readChannel(owner, channelId)).toMatchObject({ balance: DEPOSIT })
      await rpc('evm_setAutomine', [true])
      // Mined: the chain decides it. The next request pays by voucher; the seller reads the balance from the chain.
      const paid = await paidFetch(`${shop.url}/pending`)
      expect(paid.status).toBe(200)
      expect(receiptOf(paid)).toMatchObject({ success: true, transaction: '', extra: { chargedAmount: '1000', channelState: { balance: DEPOSIT.toString() } } })
      expect(handler.mock.calls.length - handled).toBe(3) // run each time; delivered once, charged once
      expect(await readChannel(owner, channelId)).toMatchObject({ balance: DEPOSIT, totalClaimed: 0n })
      expect(await usdcBalance(owner, token, buyer.address)).toBe(buyerBefore! - DEPOSIT)
    } finally {
      await rpc('evm_setAutomine', [true])
    }
  }, 60_000)
})
