// A batch-settlement deposit whose commit fails after the handler ran, on anvil (batchPayer + wrapFetch against a
// Tollgate route, localFacilitator): the deposit's settle answers a failure (the buyer spent its tokens meanwhile),
// or it throws, or the deposit went through and the seller's Store fails as the channel's count is written. Each
// time the handler's answer is withheld, no voucher state is committed, and the buyer's retry deposits once at most:
// the token balances and the channel are read on chain before and after.
import type { Address, Hex, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { batchPayer } from '../../client/batch-payer.js'
import { wrapFetch } from '../../client/wrap-fetch.js'
import { createPaywall } from '../../engine/paywall.js'
import { anvilClient, startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from '../../evm/anvil.js'
import { BATCH_SETTLEMENT_ADDRESS, channelIdOf, readChannel } from '../../evm/batch-settlement/index.js'
import { localFacilitator } from '../../evm/facilitator.js'
import { TEST_USDC_ABI } from '../../evm/test-usdc.artifact.js'
import type { Facilitator, SettleRequest } from '../../facilitator/types.js'
import { memoryStore } from '../../store/memory.js'
import type { Store } from '../../store/types.js'
import { readReceipt } from '../../testing/requests.js'
import { readChannelRecord } from './channel-record.js'
import { batchSettlement } from './options.js'

const DEPOSIT = 20_000n
/** One route per scenario, each to its own receiver: its own channel. */
const RECEIVERS = { spent: 6, thrown: 7, store: 8 } as const
type Scenario = keyof typeof RECEIVERS

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let buyerClient: AnvilClient
let token: Address
let authorizer: Address
let app: (request: Request) => Promise<Response>
const isDeposit = (request: SettleRequest) => (request.proof.payload as { payload?: { type?: string } }).payload?.type === 'deposit'

// What goes wrong, set by each test: during the handler, at the deposit's settle, at the Store's commit.
let duringHandler: (() => Promise<void>) | undefined
let settleThrows = false
const storeDown = new Set<string>()
const handler = vi.fn(async () => {
  await duringHandler?.()
  return Response.json({ secret: 'delivered' })
})

const inner = memoryStore()
const store = new Proxy(inner, {
  get(target, name, receiver) {
    const value = Reflect.get(target, name, receiver) as unknown
    if (typeof value !== 'function') return value
    return (...args: unknown[]) => (storeDown.has(String(name)) ? Promise.reject(new Error(`the store is down (${String(name)})`)) : (value as (...a: unknown[]) => unknown).apply(target, args))
  },
}) as Store

beforeAll(async () => {
  ;({ anvil, owner, buyer, token } = await startUsdcChain())
  buyerClient = anvilClient(anvil, buyer)
  authorizer = anvil.accounts[3]!.address
  const local = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, receiverAuthorizer: anvil.privateKeys[3]!, pollingIntervalMs: 50 })
  const facilitator: Facilitator = {
    ...local,
    verify: local.verify.bind(local),
    settle: vi.fn(async (request: SettleRequest, signal: AbortSignal) => {
      if (settleThrows && isDeposit(request)) throw new Error('the facilitator connection was reset')
      return local.settle(request, signal)
    }),
  }
  const route = (scenario: Scenario) =>
    batchSettlement({ price: '0.001', network: `eip155:${anvil.chainId}`, payTo: anvil.accounts[RECEIVERS[scenario]]!.address, asset: { address: token, name: 'USDC', version: '2' }, receiverAuthorizer: authorizer, claims: false })
  app = createPaywall({ routes: { 'GET /spent': route('spent'), 'GET /thrown': route('thrown'), 'GET /store': route('store') }, facilitator, store, idempotency: false }).protect(handler)
}, 30_000)

afterAll(async () => {
  await anvil?.stop()
})

function channelOf(scenario: Scenario): Hex {
  const receiver = anvil.accounts[RECEIVERS[scenario]]!.address
  return channelIdOf({ payer: buyer.address, payerAuthorizer: buyer.address, receiver, receiverAuthorizer: authorizer, token, withdrawDelay: 900, salt: `0x${'0'.repeat(64)}` }, anvil.chainId)
}

/** The buyer's tokens, the escrow's, and the channel on chain. */
async function chainBooks(scenario: Scenario) {
  return { buyer: await usdcBalance(owner, token, buyer.address), escrow: await usdcBalance(owner, token, BATCH_SETTLEMENT_ADDRESS), channel: await readChannel(owner, channelOf(scenario)) }
}

/** A buyer's paid fetch; `last` is the seller's last answer as it went out (read before the buyer's fetch reads it). */
function buyerFetch() {
  const seen: { last?: { status: number; body: string } } = {}
  const paidFetch = wrapFetch(
    async (request: Request) => {
      const answer = await app(request)
      const body = await answer.text()
      seen.last = { status: answer.status, body }
      return new Response(body, { status: answer.status, headers: answer.headers })
    },
    { payers: [batchPayer({ account: buyer, rpcUrl: anvil.rpcUrl, deposit: DEPOSIT })], maxAmount: 100_000n },
  )
  return { paidFetch, seen }
}

/** The first request of `scenario` fails at its commit: the handler ran, its answer withheld, nothing recorded. */
async function failedAtCommit(scenario: Scenario, expected: { status: number }) {
  const { paidFetch, seen } = buyerFetch()
  const runs = handler.mock.calls.length
  const outcome = await paidFetch(`http://shop.example/${scenario}`).then(
    (response) => ({ status: response.status }),
    (error: unknown) => ({ error }),
  )
  expect(handler.mock.calls.length).toBe(runs + 1) // it ran: the deposit is committed after the handler
  expect(seen.last?.status).toBe(expected.status)
  expect(seen.last?.body).not.toContain('delivered')
  expect(await readChannelRecord(inner, channelOf(scenario))).toBeUndefined() // no voucher state committed
  return { paidFetch, outcome }
}

/** The retry is paid, and the channel holds one deposit: the buyer paid DEPOSIT once since `before`. */
async function retriedOnce(scenario: Scenario, paidFetch: ReturnType<typeof buyerFetch>['paidFetch'], before: Awaited<ReturnType<typeof chainBooks>>) {
  const retried = await paidFetch(`http://shop.example/${scenario}`)
  expect(retried.status).toBe(200)
  expect(await retried.text()).toContain('delivered')
  expect(readReceipt(retried)?.extra).toMatchObject({ chargedAmount: '1000', channelState: { chargedCumulativeAmount: '1000' } })
  const after = await chainBooks(scenario)
  expect(after.buyer).toBe(before.buyer - DEPOSIT)
  expect(after.escrow).toBe(before.escrow + DEPOSIT)
  expect(after.channel).toMatchObject({ balance: DEPOSIT, totalClaimed: 0n })
  expect(await readChannelRecord(inner, channelOf(scenario))).toMatchObject({ chargedCumulativeAmount: '1000', balance: DEPOSIT.toString() })
}

describe('a deposit whose commit fails after the handler ran', () => {
  it("its settle answers a failure (the buyer spent its tokens during the handler): 402 naming it, the answer withheld, nothing deposited; the retry deposits once", async () => {
    const before = await chainBooks('spent')
    const held = before.buyer
    const holder = anvil.accounts[9]!.address
    // The buyer moves all its tokens away while the seller's handler runs: the deposit cannot be made.
    duringHandler = async () => {
      duringHandler = undefined
      const hash = await buyerClient.writeContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transfer', args: [holder, held], account: buyer, chain: buyerClient.chain })
      await buyerClient.waitForTransactionReceipt({ hash })
    }
    const { paidFetch, outcome } = await failedAtCommit('spent', { status: 402 })
    expect(outcome).toMatchObject({ error: { code: 'payment_refused', message: expect.stringContaining('invalid_batch_settlement_evm_insufficient_balance') } })
    expect(await chainBooks('spent')).toEqual({ ...before, buyer: 0n })

    // The tokens come back; the buyer pays again and deposits once.
    const hash = await anvilClient(anvil, anvil.accounts[9]!).writeContract({ address: token, abi: TEST_USDC_ABI, functionName: 'transfer', args: [buyer.address, held], account: anvil.accounts[9]!, chain: buyerClient.chain })
    await owner.waitForTransactionReceipt({ hash })
    await retriedOnce('spent', paidFetch, before)
  }, 60_000)

  it('its settle throws: 502, the answer withheld, nothing deposited; the retry deposits once', async () => {
    const before = await chainBooks('thrown')
    settleThrows = true
    let failed: Awaited<ReturnType<typeof failedAtCommit>>
    try {
      failed = await failedAtCommit('thrown', { status: 502 })
    } finally {
      settleThrows = false
    }
    expect(await chainBooks('thrown')).toEqual(before)
    await retriedOnce('thrown', failed.paidFetch, before)
  }, 60_000)

  it("the deposit went through and the Store fails as the channel's count is written: 503, the answer withheld, no record; the retry pays by voucher, not a second deposit", async () => {
    const before = await chainBooks('store')
    storeDown.add('set').add('setIfHeld')
    let failed: Awaited<ReturnType<typeof failedAtCommit>>
    try {
      failed = await failedAtCommit('store', { status: 503 })
    } finally {
      storeDown.clear()
    }
    // The deposit is on chain (the buyer's money is in its channel, not lost), charged nothing.
    expect(await chainBooks('store')).toMatchObject({ buyer: before.buyer - DEPOSIT, channel: { balance: DEPOSIT, totalClaimed: 0n } })
    await retriedOnce('store', failed.paidFetch, before)
  }, 60_000)
})
