// The local chain: anvil, the TestUSDC token deployed on it, and a buyer funded with it.
import { anvilClient, deployTestUsdc, fundUsdc, startAnvil, usdcBalance } from '@tollgate/x402/anvil'

/** What TestUSDC calls itself in EIP-712 signatures: the same domain as USDC on Base Sepolia. */
export const USDC = Object.freeze({ name: 'USDC', version: '2', decimals: 6 })
/** What the buyer starts with: 10 USDC, in atomic units. */
export const BUYER_FUNDS = 10_000_000n

// Anvil's development accounts, one job each.
const DEPLOYER = 0 // deploys TestUSDC and mints it
const SETTLER = 1 // the local facilitator: submits the transfers and pays the gas
const SELLER = 2 // the API's payTo
const BUYER = 3 // pays for the API

/**
 * @typedef {import('@tollgate/x402/anvil').AnvilInstance} AnvilInstance
 * @typedef {import('viem').Address} Address
 * @typedef {import('viem').Hex} Hex
 * @typedef {import('viem').PrivateKeyAccount} PrivateKeyAccount
 *
 * @typedef {object} DemoChain
 * @property {AnvilInstance} anvil
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
  const account = (/** @type {number} */ index) => /** @type {PrivateKeyAccount} */ (anvil.accounts[index])
  const key = (/** @type {number} */ index) => /** @type {Hex} */ (anvil.privateKeys[index])

  const deployer = anvilClient(anvil, account(DEPLOYER))
  const asset = await deployTestUsdc(deployer, { name: USDC.name, version: USDC.version })
  const buyer = account(BUYER)
  await fundUsdc(deployer, asset, buyer.address, BUYER_FUNDS)

  return {
    anvil,
    asset,
    settlerKey: key(SETTLER),
    seller: account(SELLER).address,
    buyer,
    buyerKey: key(BUYER),
    balanceOf: (holder) => usdcBalance(deployer, asset, /** @type {Address} */ (holder)),
  }
}
