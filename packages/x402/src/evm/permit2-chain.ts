// Test chains only: Permit2 and the two x402 Permit2 proxies installed at their canonical addresses (anvil_setCode),
// and TestToken, a plain ERC-20 without EIP-3009, for the any-token path.
import { publicActions, type Account, type Address, type Chain, type Transport, type WalletClient } from 'viem'
import { EXACT_PROXY_RUNTIME } from './exact-proxy.artifact.js'
import { PERMIT2_RUNTIME } from './permit2.artifact.js'
import { PERMIT2_ADDRESS, X402_EXACT_PERMIT2_PROXY, X402_UPTO_PERMIT2_PROXY } from './permit2.js'
import { TEST_TOKEN_ABI, TEST_TOKEN_BYTECODE } from './test-token.artifact.js'
import { UPTO_PROXY_RUNTIME } from './upto-proxy.artifact.js'

type ChainClient = WalletClient<Transport, Chain | undefined, Account>

/**
 * Installs our Permit2 (signature transfers) and x402 proxies at the addresses payers sign for: Permit2 at
 * 0x000000000022D473030F116dDEE9F6B43aC78BA3, the proxies at 0x4020…0001 (exact) and 0x4020…0002 (upto). Anvil
 * only (anvil_setCode). The code is ours, compiled from contracts/, not the canonical deployments' (see
 * docs/facilitators/local.md).
 */
export async function installPermit2(client: Pick<ChainClient, 'request'>): Promise<void> {
  const install = (address: Address, code: string) =>
    (client.request as (args: { method: string; params: unknown[] }) => Promise<unknown>)({ method: 'anvil_setCode', params: [address, code] })
  await install(PERMIT2_ADDRESS, PERMIT2_RUNTIME)
  await install(X402_EXACT_PERMIT2_PROXY, EXACT_PROXY_RUNTIME)
  await install(X402_UPTO_PERMIT2_PROXY, UPTO_PROXY_RUNTIME)
}

export interface DeployTestTokenOptions {
  name?: string
  symbol?: string
  decimals?: number
}

/** Deploys TestToken (plain ERC-20, no EIP-3009) from the client's account, which can mint it; returns its address. */
export async function deployTestToken(client: ChainClient, options: DeployTestTokenOptions = {}): Promise<Address> {
  const chainClient = client.extend(publicActions)
  const hash = await chainClient.deployContract({
    abi: TEST_TOKEN_ABI,
    bytecode: TEST_TOKEN_BYTECODE,
    args: [options.name ?? 'Test Token', options.symbol ?? 'TT', options.decimals ?? 6],
    account: client.account,
    chain: client.chain,
  })
  const receipt = await chainClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`TestToken deployment ${hash} failed.`)
  return receipt.contractAddress
}
