// useUsdcChain's options do what they say, on the chain they start: the plain token minted to the buyer, the
// buyer's Permit2 approvals, and blocks made only by evm_mine.
import type { TransactionReceipt } from 'viem'
import { describe, expect, it } from 'vitest'
import { usdcBalance } from '../evm/anvil.js'
import { MAX_UINT256, permit2Allowance } from '../evm/permit2-approve.js'
import { useUsdcChain } from './usdc-chain.js'

let readySent: TransactionReceipt | undefined
const chain = useUsdcChain({
  price: 2_500n,
  plainToken: 5_000n,
  permit2Approved: true,
  mining: 'manual',
  // A transaction sent in ready is mined at once: the mining mode is set only after ready.
  ready: async (ready) => {
    readySent = await ready.owner.waitForTransactionReceipt({ hash: await ready.owner.sendTransaction({ to: ready.payTo, value: 1n }) })
  },
})

describe('useUsdcChain', () => {
  it('offers the TestUSDC at the price, paid to payTo', () => {
    expect(chain.requirements).toMatchObject({ scheme: 'exact', network: `eip155:${chain.anvil.chainId}`, amount: '2500', asset: chain.token, payTo: chain.payTo })
  })

  it('deploys the plain token and mints the buyer the amount asked', async () => {
    expect(chain.plainToken).not.toBe(chain.token)
    expect(await usdcBalance(chain.owner, chain.plainToken, chain.buyer.address)).toBe(5_000n)
    expect(await usdcBalance(chain.owner, chain.token, chain.buyer.address)).toBe(1_000_000n)
  })

  it('has the buyer approve Permit2 for all of both tokens', async () => {
    expect(await permit2Allowance(chain.owner, chain.token, chain.buyer.address)).toBe(MAX_UINT256)
    expect(await permit2Allowance(chain.owner, chain.plainToken, chain.buyer.address)).toBe(MAX_UINT256)
  })

  it('runs ready while each transaction is still mined at once', () => {
    expect(readySent?.status).toBe('success')
  })

  it("with mining 'manual', makes a block only on evm_mine", async () => {
    const start = await chain.owner.getBlockNumber({ cacheTime: 0 })
    const hash = await chain.owner.sendTransaction({ to: chain.payTo, value: 1n })
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(await chain.owner.getBlockNumber({ cacheTime: 0 })).toBe(start)
    await chain.rpc('evm_mine')
    expect((await chain.owner.getTransactionReceipt({ hash })).blockNumber).toBe(start + 1n)
  })
})
