// Permit2 settlements (upto, and exact over Permit2) on a real anvil mining a block a second: dropped from the
// mempool before they were mined, the proxy's settle is sent again (the same signed transaction), paid once; taken
// out by a reorganisation after delivery, the still-valid permit is settled again and the seller ends whole.
import { createPublicClient, custom, http, type Address, type EIP1193RequestFn, type Hash } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import type { PaymentRequirements } from '../codec/types.js'
import type { SettleRequest } from '../facilitator/types.js'
import { proofOf } from '../test-support/proof.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { usdcBalance, type AnvilClient, type AnvilInstance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { createPermit2Payment } from './permit2-signer.js'
import type { SettlementEvent } from './settlement-events.js'

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let usdc: Address

useUsdcChain({
  permit2Approved: true,
  mining: { blockSeconds: 1 },
  ready: (chain) => ({ anvil, owner, buyer, payTo, token: usdc } = chain),
})

/** A client whose first sent transaction is dropped from anvil's mempool right after it is sent. */
function droppingClient() {
  const base = http(anvil.rpcUrl)({ chain: anvil.chain, retryCount: 0 })
  const sent: Hash[] = []
  const request = (async ({ method, params }) => {
    const answer = await base.request({ method, params } as never)
    if (method === 'eth_sendRawTransaction') {
      sent.push(answer as Hash)
      if (sent.length === 1) await base.request({ method: 'anvil_dropAllTransactions' } as never)
    }
    return answer
  }) as EIP1193RequestFn
  return { client: createPublicClient({ chain: anvil.chain, transport: custom({ request }), pollingInterval: 200 }), sent }
}

function settleRequest(payment: { header: string }, requirements: PaymentRequirements, amount: string): SettleRequest {
  return {
    x402Version: 2,
    token: payment.header,
    proof: proofOf(payment.header, 2),
    requirements: { ...requirements, amount },
    paymentRequired: { x402Version: 2, resource: { url: 'http://localhost/generate' }, accepts: [requirements] },
    amount,
    verification: { isValid: true },
  }
}

function offer(scheme: 'upto' | 'exact', settler: Address): PaymentRequirements {
  const extra = scheme === 'upto' ? { name: 'USDC', version: '2', assetTransferMethod: 'permit2', facilitatorAddress: settler } : { assetTransferMethod: 'permit2' }
  return { scheme, network: `eip155:${anvil.chainId}`, amount: '20000', asset: usdc, payTo, maxTimeoutSeconds: 300, extra }
}

describe('a Permit2 settlement dropped before it was mined', () => {
  for (const scheme of ['upto', 'exact'] as const) {
    it(`${scheme}: is sent again, the same transaction, and moves the money once`, async () => {
      const { client, sent } = droppingClient()
      const events: SettlementEvent[] = []
      const facilitator = localFacilitator({ client, settler: anvil.privateKeys[5]!, onEvent: (event) => events.push(event) })
      const requirements = offer(scheme, anvil.accounts[5]!.address)
      const payment = await createPermit2Payment({ account: buyer, requirements })
      const amount = scheme === 'upto' ? '7000' : '20000'
      const request: SettleRequest = {
        x402Version: 2,
        token: payment.header,
        proof: proofOf(payment.header, 2),
        requirements: { ...requirements, amount },
        paymentRequired: { x402Version: 2, resource: { url: 'http://localhost/generate' }, accepts: [requirements] },
        amount,
        verification: { isValid: true },
      }
      const before = await Promise.all([usdcBalance(owner, usdc, buyer.address), usdcBalance(owner, usdc, payTo)])
      const settled = await facilitator.settle(request, new AbortController().signal)
      expect(settled).toMatchObject({ success: true, amount })
      expect(sent.length).toBeGreaterThanOrEqual(2)
      expect(new Set(sent)).toEqual(new Set([settled.transaction]))
      expect(events).toContainEqual(expect.objectContaining({ type: 'settlement.rebroadcast', transaction: settled.transaction }))
      const moved = BigInt(amount)
      expect(await Promise.all([usdcBalance(owner, usdc, buyer.address), usdcBalance(owner, usdc, payTo)])).toEqual([before[0]! - moved, before[1]! + moved])
    }, 30_000)
  }
})

describe('a delivered Permit2 settlement taken out by a reorganisation', () => {
  for (const scheme of ['upto', 'exact'] as const) {
    it(`${scheme}: is settled again: the seller ends whole, the buyer pays once`, async () => {
      const rpc = (method: string, params: unknown[] = []) => owner.request({ method, params } as never)
      const events: SettlementEvent[] = []
      const client = createPublicClient({ chain: anvil.chain, transport: http(anvil.rpcUrl), pollingInterval: 200 })
      const facilitator = localFacilitator({ client, settler: anvil.privateKeys[5]!, onEvent: (event) => events.push(event) })
      const requirements = offer(scheme, anvil.accounts[5]!.address)
      const payment = await createPermit2Payment({ account: buyer, requirements })
      const amount = scheme === 'upto' ? '7000' : '20000'
      const balances = () => Promise.all([usdcBalance(owner, usdc, buyer.address), usdcBalance(owner, usdc, payTo)])
      const before = await balances()
      const settled = await facilitator.settle(settleRequest(payment, requirements, amount), new AbortController().signal)
      expect(settled).toMatchObject({ success: true })

      await rpc('evm_setIntervalMining', [0])
      const { blockNumber } = await owner.getTransactionReceipt({ hash: settled.transaction as Hash })
      await rpc('anvil_reorg', [Number((await owner.getBlockNumber({ cacheTime: 0 })) - blockNumber) + 1, []])
      await rpc('anvil_dropAllTransactions') // only the watch can bring it back
      expect(await balances()).toEqual(before)
      await rpc('evm_setIntervalMining', [1])

      const moved = BigInt(amount)
      const deadline = Date.now() + 20_000
      while (!events.some((event) => event.type === 'settlement.resettled') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
      expect(events.map((event) => event.type)).toEqual(['settlement.reorged', 'settlement.resettled'])
      expect(await balances()).toEqual([before[0]! - moved, before[1]! + moved])
    }, 30_000)
  }
})
