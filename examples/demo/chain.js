// The local chain: anvil, the TestUSDC token deployed on it, and a buyer funded with it. Or, to run a second
// demo beside a first one, the chain and token the first one started (`joinChain`).
import { ANVIL_PRIVATE_KEYS, anvilClient, deployTestUsdc, fundUsdc, installBatchSettlement, installPermit2, startAnvil } from '@tollgate/x402/anvil'
import { TEST_USDC_ABI } from '@tollgate/x402/evm'
import { createPublicClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { USDC } from './token.js'

export { USDC }

/** What the buyer starts with: 10 USDC, in atomic units. */
export const BUYER_FUNDS = 10_000_000n

// Anvil's development accounts (the same on every anvil), one job each.
const DEPLOYER = 0 // deploys TestUSDC and mints it
const SETTLER = 1 // the local facilitator: submits the transfers and pays the gas
const SELLER = 2 // the API's payTo
const BUYER = 3 // pays for the API
// A demo that joins another's chain settles from its own account, so that the two never race for one nonce.
const JOINED_SETTLER = 4

/**
 * @typedef {import('@tollgate/x402/anvil').AnvilInstance} AnvilInstance
 * @typedef {import('viem').Address} Address
 * @typedef {import('viem').Hex} Hex
 * @typedef {import('viem').PrivateKeyAccount} PrivateKeyAccount
 *
 * @typedef {object} DemoChain
 * @property {string} rpcUrl
 * @property {number} chainId
 * @property {AnvilInstance} [anvil]  the node this demo started (none when it joined another demo's chain)
 * @property {Address} asset  the TestUSDC contract
 * @property {Hex} settlerKey  the private key the local facilitator settles with
 * @property {Address} seller  where payments go
 * @property {PrivateKeyAccount} buyer  funded with BUYER_FUNDS
 * @property {Hex} buyerKey
 * @property {(holder: string) => Promise<bigint>} balanceOf  TestUSDC balance, in atomic units
 */

/**
 * Starts anvil and makes it ready to pay on. The caller stops `anvil` (also when this throws: it is
 * handed over through `onStarted` before the deployment, so a failed deployment does not leak it).
 *
 * @param {{ chainId?: number, onStarted?: (anvil: AnvilInstance) => void }} [options]
 * @returns {Promise<DemoChain>}
 */
export async function startChain(options = {}) {
  const anvil = await startAnvil(options.chainId === undefined ? {} : { chainId: options.chainId })
  options.onStarted?.(anvil)
  const deployer = anvilClient(anvil, privateKeyToAccount(devKey(DEPLOYER)))
  const asset = await deployTestUsdc(deployer, { name: USDC.name, version: USDC.version })
  const chain = demoChain({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, asset, settler: SETTLER })
  await fundUsdc(deployer, asset, chain.buyer.address, BUYER_FUNDS)
  // Permit2 and the x402 proxies at their canonical addresses, for the metered (upto) route.
  await installPermit2(deployer)
  // x402BatchSettlement and its deposit collectors at their canonical addresses, for the channel route (GET /quote).
  await installBatchSettlement(deployer)
  return { ...chain, anvil }
}

/**
 * The chain and TestUSDC another demo started (its `--serve` JSON says where): same seller and buyer, so that
 * a payment made for one demo is also valid at the other. Throws when nothing answers or the token is not there.
 *
 * @param {{ rpcUrl: string, asset: Address }} options
 * @returns {Promise<DemoChain>}
 */
export async function joinChain({ rpcUrl, asset }) {
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
  let chainId
  try {
    chainId = await client.getChainId()
  } catch (error) {
    throw new Error(`No chain answers at ${rpcUrl} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}). Is the first demo still running?`)
  }
  const code = await client.getCode({ address: asset })
  if (!code || code === '0x') throw new Error(`There is no contract at ${asset} on ${rpcUrl}: give --asset the first demo's chain.asset.`)
  return demoChain({ rpcUrl, chainId, asset, settler: JOINED_SETTLER })
}

/**
 * @param {{ rpcUrl: string, chainId: number, asset: Address, settler: number }} options
 * @returns {DemoChain}
 */
function demoChain({ rpcUrl, chainId, asset, settler }) {
  const reader = createPublicClient({ transport: http(rpcUrl) })
  return {
    rpcUrl,
    chainId,
    asset,
    settlerKey: devKey(settler),
    seller: privateKeyToAccount(devKey(SELLER)).address,
    buyer: privateKeyToAccount(devKey(BUYER)),
    buyerKey: devKey(BUYER),
    balanceOf: (holder) => reader.readContract({ address: asset, abi: TEST_USDC_ABI, functionName: 'balanceOf', args: [/** @type {Address} */ (holder)] }),
  }
}

/** @param {number} index */
function devKey(index) {
  return /** @type {Hex} */ (ANVIL_PRIVATE_KEYS[index])
}
