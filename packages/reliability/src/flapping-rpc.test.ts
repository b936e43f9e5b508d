// localFacilitator behind a flapping RPC endpoint, on anvil: a relay that fails 20% of the chain calls (HTTP 503,
// before they reach the node) and one that stalls 15% of them for 2 s. Buyers pay through a paywall and retry a
// failed request with the same payment, as a client would. The books, read off the chain before and after: every
// payment delivered once and charged once, no delivery whose transfer is not on the chain, nothing charged for a
// request that failed, and the facilitator's reads retried (most requests answered 200 despite the faults).
import { createPaywall, decodePaymentRequired, exact, type PaymentRequirements } from '@tollgate/x402'
import { usdcBalance, type AnvilClient, type AnvilInstance } from '@tollgate/x402/anvil'
import { createExactPayment, localFacilitator } from '@tollgate/x402/evm'
import { paidRequest, readReceipt } from '@tollgate/x402/testing'
import type { Address, Hash } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { startRpcRelay, type RelayFaults } from './support/rpc-relay.js'
import { useUsdcChain } from './support/usdc-chain.js'

const CHAIN_ID = 84532
const PAYMENTS = 12
const AT_ONCE = 4
const MAX_TRIES = 6

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address

useUsdcChain({ chainId: CHAIN_ID, startupMs: 60_000, ready: (chain) => ({ anvil, owner, buyer, payTo, token } = chain) })

const balances = () => Promise.all([usdcBalance(owner, token, buyer.address), usdcBalance(owner, token, payTo)])

async function payThrough(faults: RelayFaults) {
  const relay = await startRpcRelay(anvil.rpcUrl, faults)
  const asset = { address: token, name: 'USDC', version: '2', decimals: 6 }
  const paywall = createPaywall({
    facilitator: localFacilitator({ rpcUrl: relay.url, settler: anvil.privateKeys[5]!, pollingIntervalMs: 100, finalityDepth: 0 }),
    routes: { 'GET /report': exact({ price: '$0.01', network: `eip155:${CHAIN_ID}`, payTo, asset }) },
  })
  let served = 0
  const app = paywall.protect(() => new Response(`report ${++served}`))
  const offer = decodePaymentRequired((await app(new Request('http://localhost/report'))).headers.get('payment-required')!)
  if (!offer.ok) throw offer.error
  const requirements: PaymentRequirements = offer.value.accepts[0]!
  const price = BigInt(requirements.amount ?? 0)
  const before = await balances()

  const statuses: number[] = []
  const delivered: Hash[] = []
  async function pay(): Promise<void> {
    const payment = await createExactPayment({ account: buyer, requirements })
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const response = await app(paidRequest('http://localhost/report', payment.header))
      statuses.push(response.status)
      const body = await response.text()
      if (response.status === 200) {
        const receipt = readReceipt(response)
        expect(receipt).toMatchObject({ success: true })
        expect(body).toMatch(/^report \d+$/)
        delivered.push(receipt!.transaction as Hash)
        return
      }
      // A failure says so and delivers nothing; the buyer tries again with the same payment.
      expect([502, 504]).toContain(response.status)
      expect(body).not.toMatch(/^report/)
    }
  }
  for (let start = 0; start < PAYMENTS; start += AT_ONCE) await Promise.all(Array.from({ length: AT_ONCE }, pay))
  await paywall.close()
  await relay.close()
  return { before, after: await balances(), price, statuses, delivered, counts: relay.counts }
}

describe('localFacilitator behind a flapping RPC endpoint', () => {
  const cases: Array<[string, RelayFaults]> = [
    ['a relay that fails 20% of calls', { failRate: 0.2, stallRate: 0, stallMs: 0, seed: 24 }],
    ['a relay that stalls 15% of calls for 2 s', { failRate: 0, stallRate: 0.15, stallMs: 2_000, seed: 2024 }],
  ]
  for (const [name, faults] of cases) {
    it(`${name}: each payment delivered and charged once, nothing unpaid delivered, reads retried`, async () => {
      const { before, after, price, statuses, delivered, counts } = await payThrough(faults)
      // Every payment was delivered, each with its own transfer, and charged exactly once.
      expect(delivered).toHaveLength(PAYMENTS)
      expect(new Set(delivered).size).toBe(PAYMENTS)
      expect(after).toEqual([before[0]! - price * BigInt(PAYMENTS), before[1]! + price * BigInt(PAYMENTS)])
      // Each delivered answer's transfer is on the chain (read from the node itself, not through the relay).
      for (const hash of delivered) expect((await owner.getTransactionReceipt({ hash })).status).toBe('success')
      // The faults happened, and the retried reads absorbed most of them: few requests needed the buyer's retry.
      expect(counts.failed + counts.stalled).toBeGreaterThan(0)
      expect(statuses.filter((status) => status === 200).length / statuses.length).toBeGreaterThanOrEqual(0.75)
    }, 180_000)
  }
})
