// Test harness (Node only): a real anvil chain on a free 127.0.0.1 port, and TestUSDC deployed on it.
// Not part of the public `evm` entry: tests and the test kit import it from here (the `anvil` entry). The parts:
// anvil-process.ts (the node), anvil-contracts.ts (the test contracts), permit2-chain.ts (Permit2 and the proxies).
import { createWalletClient, http, publicActions, type Account, type Address, type Chain, type Hex, type PrivateKeyAccount, type PublicActions, type Transport, type WalletClient } from 'viem'
import { deployTestUsdc, fundUsdc } from './anvil-contracts.js'
import { startAnvil, type AnvilInstance, type StartAnvilOptions } from './anvil-process.js'
import { installPermit2 } from './permit2-chain.js'
import { installBatchSettlement } from './batch-settlement/deploy.js'

export { installPermit2, deployTestToken, type DeployTestTokenOptions } from './permit2-chain.js'
export { installBatchSettlement }
export { ANVIL_PRIVATE_KEYS, anvilBinary, freePort, rpcAnswers, startAnvil, type AnvilInstance, type StartAnvilOptions } from './anvil-process.js'
export { deployTestUsdc, deployTestWallet, fundUsdc, usdcBalance, type DeployTestUsdcOptions } from './anvil-contracts.js'

/** A wallet client for one account on the node, with the public actions (reads, receipts) too. */
export type AnvilClient = WalletClient<Transport, Chain, Account> & PublicActions<Transport, Chain, Account>

/** A wallet client for `account` on the node, extended with the public actions. */
export function anvilClient(anvil: Pick<AnvilInstance, 'chain' | 'rpcUrl'>, account: Account): AnvilClient {
  return createWalletClient({ account, chain: anvil.chain, transport: http(anvil.rpcUrl) }).extend(publicActions)
}

/** A local chain with the test token deployed and a funded buyer: what a paid-API test or demo starts from. */
export interface UsdcChain {
  anvil: AnvilInstance
  /** Deployed the token; can mint more. Anvil account 0. */
  owner: AnvilClient
  /** Holds `fund` atomic units of the token. Anvil account 1. */
  buyer: PrivateKeyAccount
  /** Receives payments. Anvil account 2. */
  payTo: Address
  /** The TestUSDC contract. */
  token: Address
  /** Sends settlement transactions (anvil account 5), for localFacilitator({ settler }). */
  settlerKey: Hex
}

export interface StartUsdcChainOptions extends StartAnvilOptions {
  /** Atomic units minted to the buyer. Default 1 000 000 ($1 at 6 decimals). */
  fund?: bigint
  /** The token's EIP-712 domain. Default name "USDC", version "2". */
  name?: string
  version?: string
  /** The token has EIP-2612 `permit` (TestUSDCPermit). Default false. */
  permit?: boolean
}

export async function startUsdcChain(options: StartUsdcChainOptions = {}): Promise<UsdcChain> {
  const { fund = 1_000_000n, name = 'USDC', version = '2', permit = false, ...anvilOptions } = options
  const anvil = await startAnvil(anvilOptions)
  try {
    const owner = anvilClient(anvil, anvil.accounts[0]!)
    const buyer = anvil.accounts[1]!
    const token = await deployTestUsdc(owner, { name, version, permit })
    await fundUsdc(owner, token, buyer.address, fund)
    // Permit2 and the x402 proxies, for upto and exact over Permit2 (three anvil_setCode calls).
    await installPermit2(owner)
    await installBatchSettlement(owner) // x402BatchSettlement, its deposit collectors, Multicall3 (batch-settlement/deploy.ts)
    return { anvil, owner, buyer, payTo: anvil.accounts[2]!.address, token, settlerKey: anvil.privateKeys[5]! }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}
