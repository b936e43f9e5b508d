// The anvil chain a test file shares: started before its tests (TestUSDC deployed, the buyer funded, Permit2 and
// the batch contracts installed: startUsdcChain), the file's exact offer on it, and stopped after its tests. The
// files that repeated this setup (start, deploy and fund, the offer, stop) call useUsdcChain() instead.
import { afterAll, beforeAll } from 'vitest'
import type { PaymentRequirements } from '../codec/types.js'
import { startUsdcChain, type StartUsdcChainOptions, type UsdcChain } from '../evm/anvil.js'
import { chainOffer } from './exact-chain.js'

export interface UseUsdcChainOptions extends StartUsdcChainOptions {
  /** The price of the file's exact offer (`requirements`), in atomic units. Default 10 000 ($0.01). */
  price?: bigint
  /** Runs once the chain is up, before the file's tests (interval mining, a second client, ...). */
  ready?: (chain: UsdcChainFixture) => unknown
}

/** The file's chain: its fields are set once it runs, so read them inside tests and hooks, not at the top level. */
export interface UsdcChainFixture extends UsdcChain {
  /** The exact offer of `price` of the TestUSDC on this chain, paid to `payTo`. */
  requirements: PaymentRequirements
  /** A raw JSON-RPC call to the node (anvil_*, evm_*), as the owner. */
  rpc(method: string, params?: unknown[]): Promise<unknown>
}

const STARTUP_MS = 30_000

/** Starts the file's chain before its tests and stops it after them (vitest's beforeAll and afterAll). */
export function useUsdcChain(options: UseUsdcChainOptions = {}): UsdcChainFixture {
  const { price = 10_000n, ready, ...start } = options
  const chain = {} as UsdcChainFixture
  beforeAll(async () => {
    Object.assign(chain, await startUsdcChain(start))
    chain.requirements = chainOffer(chain.anvil.chain.id, chain.token, chain.payTo, price)
    chain.rpc = (method, params = []) => chain.owner.request({ method, params } as never)
    await ready?.(chain)
  }, STARTUP_MS)
  afterAll(async () => {
    await chain.anvil?.stop()
  })
  return chain
}
