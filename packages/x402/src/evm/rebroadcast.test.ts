// A settlement dropped from the mempool before it was mined, on a real anvil mining a block a second: it is sent
// again (the same signed transaction) and the buyer is paid for once, within three blocks of the drop.
import { createPublicClient, custom, http, type EIP1193RequestFn, type Hash } from 'viem'
import { describe, expect, it } from 'vitest'
import { requestFor } from '../test-support/exact-chain.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { usdcBalance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import type { SettlementEvent } from './settlement-events.js'
import { createExactPayment } from './signer.js'

const CHAIN_ID = 84532
const PRICE = 10_000n

const chain = useUsdcChain({
  chainId: CHAIN_ID,
  price: PRICE,
  // From here a block a second, as on a real chain, so that a sent transaction waits in the mempool.
  mining: { blockSeconds: 1 },
})

/** A client for the facilitator whose every sent transaction is dropped from anvil's mempool right after it is sent, the first `drops` times. */
function droppingClient(drops: number) {
  const base = http(chain.anvil.rpcUrl)({ chain: chain.anvil.chain, retryCount: 0 })
  const sent: Hash[] = []
  const dropBlocks: bigint[] = []
  const request = (async ({ method, params }) => {
    const answer = await base.request({ method, params } as never)
    if (method === 'eth_sendRawTransaction') {
      sent.push(answer as Hash)
      if (dropBlocks.length < drops) {
        await base.request({ method: 'anvil_dropAllTransactions' } as never)
        dropBlocks.push(BigInt(await base.request({ method: 'eth_blockNumber' } as never)))
      }
    }
    return answer
  }) as EIP1193RequestFn
  const client = createPublicClient({ chain: chain.anvil.chain, transport: custom({ request }), pollingInterval: 200 })
  return { client, sent, dropBlocks }
}

describe('a settlement dropped before it was mined', () => {
  it('is sent again, the same transaction: paid once, within 3 blocks of the drop, and reported', async () => {
    const { client, sent, dropBlocks } = droppingClient(1)
    const events: SettlementEvent[] = []
    const facilitator = localFacilitator({ client, settler: chain.anvil.privateKeys[5]!, onEvent: (event) => events.push(event) })
    const payment = await createExactPayment({ account: chain.buyer, requirements: chain.requirements })
    const before = await Promise.all([usdcBalance(chain.owner, chain.token, chain.buyer.address), usdcBalance(chain.owner, chain.token, chain.payTo)])

    const settled = await facilitator.settle(requestFor(payment, chain.requirements), new AbortController().signal)

    expect(settled).toMatchObject({ success: true, payer: chain.buyer.address, amount: PRICE.toString() })
    expect(dropBlocks).toHaveLength(1)
    const receipt = await chain.owner.getTransactionReceipt({ hash: settled.transaction as Hash })
    expect(receipt.status).toBe('success')
    expect(receipt.blockNumber).toBeLessThanOrEqual(dropBlocks[0]! + 3n)
    // Sent twice, the same signed transaction both times: one hash, one transfer.
    expect(sent.length).toBeGreaterThanOrEqual(2)
    expect(new Set(sent)).toEqual(new Set([settled.transaction]))
    expect(await Promise.all([usdcBalance(chain.owner, chain.token, chain.buyer.address), usdcBalance(chain.owner, chain.token, chain.payTo)])).toEqual([before[0]! - PRICE, before[1]! + PRICE])
    expect(events).toContainEqual({ type: 'settlement.rebroadcast', transaction: settled.transaction, network: `eip155:${CHAIN_ID}`, payer: chain.buyer.address })
  }, 20_000)

  it('is not sent again once the caller gave up: nothing is charged', async () => {
    const { client, sent } = droppingClient(1)
    const facilitator = localFacilitator({ client, settler: chain.anvil.privateKeys[5]! })
    const payment = await createExactPayment({ account: chain.buyer, requirements: chain.requirements })
    const before = await Promise.all([usdcBalance(chain.owner, chain.token, chain.buyer.address), usdcBalance(chain.owner, chain.token, chain.payTo)])
    const controller = new AbortController()
    const settling = facilitator.settle(requestFor(payment, chain.requirements), controller.signal)
    while (sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 20))
    controller.abort(new Error('the engine gave up'))
    await expect(settling).rejects.toThrow('the engine gave up')
    // Three blocks later the dropped transaction is still not back, and no money moved.
    const start = await chain.owner.getBlockNumber({ cacheTime: 0 })
    while ((await chain.owner.getBlockNumber({ cacheTime: 0 })) < start + 3n) await new Promise((resolve) => setTimeout(resolve, 200))
    expect(sent).toHaveLength(1)
    expect(await Promise.all([usdcBalance(chain.owner, chain.token, chain.buyer.address), usdcBalance(chain.owner, chain.token, chain.payTo)])).toEqual(before)
  }, 20_000)
})
