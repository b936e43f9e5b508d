// settlement_pending for Permit2 (exact over Permit2, and upto) across a restart, through the Redis outbox: one
// instance answers 504 when the settle's receipt does not come in time (anvil mines only by hand), that instance
// is gone, and a new instance on the same Redis reconciles the transaction on chain: paid once, never a second one.
import { createPaywall, decodePaymentRequired, exact, upto, type Outbox, type PaywallEvent, type Store } from '@tollgate/x402'
import { anvilClient, startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from '@tollgate/x402/anvil'
import { createPermit2Payment, ensurePermit2Allowance, localFacilitator, MAX_UINT256 } from '@tollgate/x402/evm'
import { paidRequest, readReceipt } from '@tollgate/x402/testing'
import { createPublicClient, http, type Address } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { redisOutbox, redisStore } from './index.js'
import { connect, startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

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
  ;({ anvil, owner, buyer, payTo, token } = await startUsdcChain())
  await ensurePermit2Allowance(anvilClient(anvil, buyer), token, 1n, MAX_UINT256)
  await rpc('evm_setAutomine', [false]) // blocks come only from evm_mine
})

afterAll(async () => {
  client?.destroy()
  await redis?.stop()
  await anvil?.stop()
})

/** One instance: a paywall over localFacilitator on the shared Redis, charging `amount` (upto) or the price. */
function instance(scheme: 'exact' | 'upto', outbox: Outbox, store: Store, events: PaywallEvent[] = []) {
  const chain = createPublicClient({ chain: anvil.chain, transport: http(anvil.rpcUrl), pollingInterval: 100 })
  const asset = { address: token, name: 'USDC', version: '2', decimals: 6 }
  const network = `eip155:${anvil.chainId}` as const
  const route = scheme === 'upto' ? upto({ maxPrice: '$0.02', network, payTo, asset }) : exact({ amount: '20000', network, payTo, asset: token, assetTransferMethod: 'permit2' })
  const paywall = createPaywall({
    facilitator: localFacilitator({ client: chain, settler: anvil.privateKeys[5]!, receiptTimeoutMs: 800, finalityDepth: 1 }),
    routes: { 'GET /report': route },
    store,
    outbox,
    outboxWorker: { intervalMs: 60_000, baseDelayMs: 1 },
    onEvent: (event) => events.push(event),
  })
  const app = paywall.protect((_request, ctx) => {
    if (scheme === 'upto') ctx.charge('7000')
    return new Response('the report')
  })
  return { app, paywall }
}

describe('Permit2 settlement_pending across a restart, through the Redis outbox', () => {
  for (const scheme of ['exact', 'upto'] as const) {
    it(`${scheme}: the new instance reconciles the 504's transaction; the buyer pays once and its retry is served`, async () => {
      const store = redisStore({ client, prefix: `pending-${scheme}:` })
      const outboxOf = (consumer: string) => redisOutbox({ client, consumer, key: `pending-${scheme}:outbox` })
      const first = instance(scheme, outboxOf('first'), store)
      const offer = decodePaymentRequired((await first.app(new Request('http://localhost/report'))).headers.get('payment-required')!)
      if (!offer.ok) throw offer.error
      const payment = await createPermit2Payment({ account: buyer, requirements: offer.value.accepts[0]! })
      const before = await balances()

      const response = await first.app(paidRequest('http://localhost/report', payment.header))
      expect(response.status).toBe(504)
      const pending = readReceipt(response)
      expect(pending).toMatchObject({ success: false, errorReason: 'settlement_pending' })
      await first.paywall.close()
      expect(await outboxOf('probe').count()).toBe(1)

      const events: PaywallEvent[] = []
      const second = instance(scheme, outboxOf('second'), store, events)
      await rpc('evm_mine')
      await second.paywall.outbox.drain()
      expect(await outboxOf('probe').count()).toBe(0)
      expect(events.filter((event) => event.type === 'outbox.settled')).toEqual([expect.objectContaining({ transaction: pending?.transaction })])
      const moved = scheme === 'upto' ? 7000n : 20000n
      expect(await balances()).toEqual([before[0]! - moved, before[1]! + moved])

      const retry = await second.app(paidRequest('http://localhost/report', payment.header))
      expect(retry.status).toBe(200)
      expect(readReceipt(retry)).toMatchObject({ success: true, transaction: pending?.transaction })
      expect(await balances()).toEqual([before[0]! - moved, before[1]! + moved])
      await second.paywall.close()
    }, 60_000)
  }
})
