// The test contracts on a local chain (Node only): deploying TestUSDC and the TestWallet, minting, reading balances.
import { publicActions, type Account, type Address, type Chain, type Transport, type WalletClient } from 'viem'
import { TEST_USDC_ABI, TEST_USDC_BYTECODE } from './test-usdc.artifact.js'
import { TEST_USDC_PERMIT_ABI, TEST_USDC_PERMIT_BYTECODE } from './test-usdc-permit.artifact.js'
import { TEST_WALLET_ABI, TEST_WALLET_BYTECODE } from './test-wallet.artifact.js'

export type DeployerClient = WalletClient<Transport, Chain | undefined, Account>

export interface DeployTestUsdcOptions {
  /** EIP-712 domain name (default `USDC`, as on Base Sepolia). */
  name?: string
  /** EIP-712 domain version (default `2`). */
  version?: string
  /** With EIP-2612 `permit` and `nonces`, as USDC has (TestUSDCPermit, for gasless Permit2). Default false. */
  permit?: boolean
}

/** Deploys TestUSDC from the client's account (which becomes its minter) and returns its address. */
export async function deployTestUsdc(client: DeployerClient, options: DeployTestUsdcOptions = {}): Promise<Address> {
  const chainClient = client.extend(publicActions)
  const hash = await chainClient.deployContract({
    // The two share the constructor; viem types the call by one ABI.
    abi: (options.permit ? TEST_USDC_PERMIT_ABI : TEST_USDC_ABI) as typeof TEST_USDC_ABI,
    bytecode: options.permit ? TEST_USDC_PERMIT_BYTECODE : TEST_USDC_BYTECODE,
    args: [options.name ?? 'USDC', options.version ?? '2'],
    account: client.account,
    chain: client.chain,
  })
  const receipt = await chainClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`TestUSDC deployment ${hash} failed.`)
  return receipt.contractAddress
}

/**
 * Deploys a TestWallet (the smallest ERC-1271 smart-contract wallet: it accepts its owner's signatures) owned by
 * `owner`, from the client's account, and returns its address. Fund it with `fundUsdc`, pay with `--wallet`.
 */
export async function deployTestWallet(client: DeployerClient, owner: Address): Promise<Address> {
  const chainClient = client.extend(publicActions)
  const hash = await chainClient.deployContract({ abi: TEST_WALLET_ABI, bytecode: TEST_WALLET_BYTECODE, args: [owner], account: client.account, chain: client.chain })
  const receipt = await chainClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`TestWallet deployment ${hash} failed.`)
  return receipt.contractAddress
}

/** Mints `amount` atomic units of TestUSDC to `to` (the client must be the deployer) and waits for it. */
export async function fundUsdc(client: DeployerClient, token: Address, to: Address, amount: bigint): Promise<void> {
  const chainClient = client.extend(publicActions)
  const hash = await chainClient.writeContract({
    address: token,
    abi: TEST_USDC_ABI,
    functionName: 'mint',
    args: [to, amount],
    account: client.account,
    chain: client.chain,
  })
  const receipt = await chainClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`Minting ${amount} TestUSDC to ${to} failed (${hash}).`)
}

/** TestUSDC balance of `holder`, in atomic units. */
export async function usdcBalance(client: DeployerClient, token: Address, holder: Address): Promise<bigint> {
  return client.extend(publicActions).readContract({ address: token, abi: TEST_USDC_ABI, functionName: 'balanceOf', args: [holder] })
}
