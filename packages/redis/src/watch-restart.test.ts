// The reorg watch survives a restart through the Redis outbox: a settlement delivered by one instance, that
// instance gone (its chain connection dead, its paywall closed), a reorganisation that takes the transfer out of
// anvil's chain (and the node drops it), then a new instance on the same Redis: the authorization is settled again.
import { createPaywall, decodePaymentRequired, exact, type Outbox, type Store } from '@tollgate/x402'
import { startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from '@tollgate/x402/anvil'
import { createExactPayment, localFacilitator } from '@tollgate/x402/evm'
import { paidRequest, readReceipt } from '@tollgate/x402/testing'
import { createPublicClient, custom, http, type Address, type EIP1193RequestFn, type Hash } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { redisOutbox, redisStore } from './index.js'
import { connect, startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

const CHAIN_ID = 84532
const PRICE = 10_000n

let redis: RedisServer
let client: Awaited<ReturnType<typeof connect>>
let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address

const rpc = (method: string, params: unknown[] = []) => owner.request({ method, params } as never)
const balances = () => Promise.all([usdcBalance(owner, token, buyer.address), usdcBalance(owner, token, payTo)])

setupOnce(async () => {
  redis = await startRedisServer()
  client = await connect(redis)
  ;({ anvil, owner, buyer, payTo, token } = await startUsdcChain({ chainId: CHAIN_ID }))
  await rpc('evm_setAutomine', [false])
  await rpc('evm_setIntervalMining', [1])
})

afterAll(async () => {
  client?.destroy()
  await redis?.stop()
  await anvil?.stop()
})

/** One instance: a paywall over localFacilitator on the shared Redis; `kill()` ends its chain connection too. */
function instance(outbox: Outbox, store: Store) {
  const base = http(anvil.rpcUrl)({ chain: anvil.chain, retryCount: 0 })
  let dead = false
  const request = (async ({ method, params }) => {
    if (dead) throw new Error('this process is gone')
    return base.request({ method, params } as never)
  }) as EIP1193RequestFn
  const chainClient = createPublicClient({ chain: anvil.chain, transport: custom({ request }, { retryCount: 0 }), pollingInterval: 200 })
  const asset = { address: token, name: 'USDC', version: '2', decimals: 6 }
  const paywall = createPaywall({
    facilitator: localFacilitator({ client: chainClient, settler: anvil.privateKeys[5]! }),
    routes: { 'GET /report': exact({ price: '$0.01', network: `eip155:${CHAIN_ID}`, payTo, asset }) },
    store,
    outbox,
    outboxWorker: { intervalMs: 200, baseDelayMs: 200, maxDelayMs: 1_000 },
  })
  return {
    app: paywall.protect(() => new Response('the report')),
    async kill() {
      dead = true
      await paywall.close()
    },
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('the reorg watch across a restart, through the Redis outbox', () => {
  it('settles the reorged authorization again from the new instance: the seller ends whole, the buyer pays once', async () => {
    const store = redisStore({ client })
    const outboxOf = (consumer: string) => redisOutbox({ client, consumer })
    const first = instance(outboxOf('first'), store)
    const offer = decodePaymentRequired((await first.app(new Request('http://localhost/report'))).headers.get('payment-required')!)
    if (!offer.ok) throw offer.error
    const payment = await createExactPayment({ account: buyer, requirements: offer.value.accepts[0]! })
    const before = await balances()
    const response = await first.app(paidRequest('http://localhost/report', payment.header))
    expect(response.status).toBe(200)
    const transaction = readReceipt(response)?.transaction as Hash
    await first.kill()
    expect(await outboxOf('probe').count()).toBe(1) // the delivered settlement, kept until final

    await rpc('evm_setIntervalMining', [0])
    const { blockNumber } = await owner.getTransactionReceipt({ hash: transaction })
    await rpc('anvil_reorg', [Number((await owner.getBlockNumber({ cacheTime: 0 })) - blockNumber) + 1, []])
    await rpc('anvil_dropAllTransactions') // only a facilitator can bring it back now
    expect(await balances()).toEqual(before)
    await rpc('evm_setIntervalMining', [1])

    const second = instance(outboxOf('second'), store)
    const whole = [before[0]! - PRICE, before[1]! + PRICE]
    await until(async () => (await balances()).every((value, i) => value === whole[i]))
    await until(async () => (await outboxOf('probe').count()) === 0) // final: the watch ended
    expect(await balances()).toEqual(whole)
    await second.kill()
  }, 90_000)
})
