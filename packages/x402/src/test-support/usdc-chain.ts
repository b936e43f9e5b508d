// The anvil chain a test file shares: started before its tests (TestUSDC deployed, the buyer funded, Permit2 and
// the batch contracts installed: startUsdcChain), the file's exact offer on it, and stopped after its tests. The
// files that repeated this setup (start, deploy and fund, the offer, a second token, the buyer's Permit2 approval,
// how blocks are mined, stop) call useUsdcChain() instead.
import type { Address } from 'viem'
import { afterAll, beforeAll } from 'vitest'
import type { PaymentRequirements } from '../codec/types.js'
import { anvilClient, deployTestToken, fundUsdc, startUsdcChain, type StartUsdcChainOptions, type UsdcChain } from '../evm/anvil.js'
import { ensurePermit2Allowance, MAX_UINT256 } from '../evm/permit2-approve.js'
import { chainOffer } from './exact-chain.js'

/** How the node makes blocks once set up: one per transaction (anvil's own), only on evm_mine, or every few seconds. */
export type ChainMining = 'auto' | 'manual' | { blockSeconds: number }

export interface UseUsdcChainOptions extends StartUsdcChainOptions {
  /** The price of the file's exact offer (`requirements`), in atomic units. Default 10 000 ($0.01). */
  price?: bigint
  /** Deploys a TestToken (no EIP-3009, no permit) as `plainToken` and mints the buyer this many atomic units. */
  plainToken?: bigint
  /** The buyer approves Permit2 for all it may need of the TestUSDC (and of `plainToken`). Default false. */
  permit2Approved?: boolean
  /** Set after `ready`, so that set-up transactions are mined at once. Default 'auto'. */
  mining?: ChainMining
  /** Runs once the chain is up (automine still on), before the file's tests: a second client, a server, ... */
  ready?: (chain: UsdcChainFixture) => unknown
  /** How long starting (and `ready`) may take, in ms. Default 30 000. */
  startupMs?: number
}

/** The file's chain: its fields are set once it runs, so read them inside tests and hooks, not at the top level. */
export interface UsdcChainFixture extends UsdcChain {
  /** The exact offer of `price` of the TestUSDC on this chain, paid to `payTo`. */
  requirements: PaymentRequirements
  /** The TestToken of the `plainToken` option (unset without it). */
  plainToken: Address
  /** A raw JSON-RPC call to the node (anvil_*, evm_*), as the owner. */
  rpc(method: string, params?: unknown[]): Promise<unknown>
}

/** Starts the file's chain before its tests and stops it after them (vitest's beforeAll and afterAll). */
export function useUsdcChain(options: UseUsdcChainOptions = {}): UsdcChainFixture {
  const { price = 10_000n, plainToken, permit2Approved = false, mining = 'auto', ready, startupMs = 30_000, ...start } = options
  const chain = {} as UsdcChainFixture
  beforeAll(async () => {
    Object.assign(chain, await startUsdcChain(start))
    chain.requirements = chainOffer(chain.anvil.chain.id, chain.token, chain.payTo, price)
    chain.rpc = (method, params = []) => chain.owner.request({ method, params } as never)
    if (plainToken !== undefined) {
      chain.plainToken = await deployTestToken(chain.owner)
      await fundUsdc(chain.owner, chain.plainToken, chain.buyer.address, plainToken)
    }
    if (permit2Approved) {
      const buyerClient = anvilClient(chain.anvil, chain.buyer)
      for (const token of chain.plainToken ? [chain.token, chain.plainToken] : [chain.token]) await ensurePermit2Allowance(buyerClient, token, 1n, MAX_UINT256)
    }
    await ready?.(chain)
    await setMining(chain, mining)
  }, startupMs)
  afterAll(async () => {
    await chain.anvil?.stop()
  })
  return chain
}

async function setMining(chain: UsdcChainFixture, mining: ChainMining): Promise<void> {
  if (mining === 'auto') return
  await chain.rpc('evm_setAutomine', [false])
  if (mining !== 'manual') await chain.rpc('evm_setIntervalMining', [mining.blockSeconds])
}
