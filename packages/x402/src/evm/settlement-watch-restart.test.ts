// The reorg watch survives a restart through the outbox: a settlement delivered by one paywall, that process gone
// (its chain connection dead, its paywall closed), a reorganisation that takes the transfer out (and the node drops
// it), then a new paywall and facilitator on the same Store and outbox: the authorization is settled again.
import { createPublicClient, custom, http, type Address, type EIP1193RequestFn, type Hash } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { decodePaymentRequired } from '../codec/headers.js'
import { createPaywall } from '../engine/paywall.js'
import type { Outbox, Store } from '../store/types.js'
import { exact } from '../requirements/options.js'
import { memoryStore } from '../store/memory.js'
import { memoryOutbox } from '../store/memory-outbox.js'
import { paidRequest, readReceipt } from '../testing/requests.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { createExactPayment } from './signer.js'

const CHAIN_ID = 84532

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address

const rpc = (method: string, params: unknown[] = []) => owner.request({ method, params } as never)
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

useUsdcChain({
  chainId: CHAIN_ID,
  mining: { blockSeconds: 1 },
  ready: (chain) => ({ anvil, owner, buyer, payTo, token } = chain),
})

/** A paywall over localFacilitator on `outbox` and `store`; `kill()` ends its chain connection, as a process exit would. */
function instance(outbox: Outbox, store: Store) {
  const base = http(anvil.rpcUrl)({ chain: anvil.chain, retryCount: 0 })
  let dead = false
  const request = (async ({ method, params }) => {
    if (dead) throw new Error('this process is gone')
    return base.request({ method, params } as never)
  }) as EIP1193RequestFn
  const client = createPublicClient({ chain: anvil.chain, transport: custom({ request }, { retryCount: 0 }), pollingInterval: 200 })
  const asset = { address: token, name: 'USDC', version: '2', decimals: 6 }
  const paywall = createPaywall({
    facilitator: localFacilitator({ client, settler: anvil.privateKeys[5]! }),
    routes: { 'GET /report': exact({ price: '$0.01', network: `eip155:${CHAIN_ID}`, payTo, asset }) },
    store,
    outbox,
    outboxWorker: { intervalMs: 200, baseDelayMs: 200, maxDelayMs: 1_000 },
  })
  const app = paywall.protect(() => new Response('the report'))
  return {
    app,
    async kill() {
      dead = true
      await paywall.close()
    },
    close: () => paywall.close(),
  }
}

const balances = () => Promise.all([usdcBalance(owner, token, buyer.address), usdcBalance(owner, token, payTo)])

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await pause(100)
  }
}

/** Pays once through `first`, kills it, reorganises the transfer out of the chain, and starts `second`. */
export async function restartThenReorg(makeOutbox: () => Outbox, store: Store) {
  const first = instance(makeOutbox(), store)
  const offer = decodePaymentRequired((await first.app(new Request('http://localhost/report'))).headers.get('payment-required')!)
  if (!offer.ok) throw offer.error
  const payment = await createExactPayment({ account: buyer, requirements: offer.value.accepts[0]! })
  const before = await balances()
  const response = await first.app(paidRequest('http://localhost/report', payment.header))
  expect(response.status).toBe(200)
  const transaction = readReceipt(response)?.transaction as Hash
  await first.kill()

  await rpc('evm_setIntervalMining', [0])
  const { blockNumber } = await owner.getTransactionReceipt({ hash: transaction })
  await rpc('anvil_reorg', [Number((await owner.getBlockNumber({ cacheTime: 0 })) - blockNumber) + 1, []])
  await rpc('anvil_dropAllTransactions') // not simply mined again by the node: only a facilitator can bring it back
  expect(await balances()).toEqual(before) // the delivered answer is unpaid now
  await rpc('evm_setIntervalMining', [1])

  const second = instance(makeOutbox(), store)
  return { before, transaction, second, price: 10_000n }
}

describe('the reorg watch across a restart (memory outbox standing in for a durable one)', () => {
  it('settles the reorged authorization again from the new process: the seller ends whole, the buyer pays once', async () => {
    const outbox = memoryOutbox()
    const { before, second, price } = await restartThenReorg(() => outbox, memoryStore())
    const whole = [before[0]! - price, before[1]! + price]
    await until(async () => (await balances()).every((value, i) => value === whole[i]))
    // Still once a few blocks on, and the watch ends once the new transfer is final.
    await until(async () => outbox.size === 0, 30_000)
    expect(await balances()).toEqual(whole)
    await second.close()
  }, 60_000)
})
