// Test harness (Node only): a real anvil chain on a free 127.0.0.1 port, and TestUSDC deployed on it.
// Not part of the public `evm` entry: tests and the test kit import it from here.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import {
  createWalletClient,
  defineChain,
  http,
  publicActions,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PrivateKeyAccount,
  type PublicActions,
  type Transport,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { TEST_USDC_ABI, TEST_USDC_BYTECODE } from './test-usdc.artifact.js'
import { TEST_WALLET_ABI, TEST_WALLET_BYTECODE } from './test-wallet.artifact.js'
import { installPermit2 } from './permit2-chain.js'
import { installBatchSettlement } from './batch-settlement/deploy.js'

export { installPermit2, deployTestToken, type DeployTestTokenOptions } from './permit2-chain.js'

/** The keys anvil funds by default (mnemonic "test test test test test test test test test test test junk"). */
export const ANVIL_PRIVATE_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
] as const satisfies readonly Hex[]

export interface StartAnvilOptions {
  /** Chain id to run (default 31337, anvil's own). */
  chainId?: number
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number
  /** How long to wait for the RPC to answer, in ms (default 20 000). */
  startTimeoutMs?: number
}

export interface AnvilInstance {
  rpcUrl: string
  chainId: number
  port: number
  pid: number
  /** A viem Chain for this node, for clients that want one. */
  chain: Chain
  /** Anvil's ten funded dev accounts, in anvil's order (0 is the usual deployer). */
  accounts: readonly PrivateKeyAccount[]
  privateKeys: readonly Hex[]
  /** Ends the node (by PID) and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>
}

/** A wallet client for one account on the node, with the public actions (reads, receipts) too. */
export type AnvilClient = WalletClient<Transport, Chain, Account> & PublicActions<Transport, Chain, Account>

const OUTPUT_TAIL_CHARS = 4000

/** The anvil binary: $ANVIL_BIN, else the one @foundry-rs/anvil installed for this platform, else `anvil` on PATH. */
export function anvilBinary(): string {
  if (process.env.ANVIL_BIN) return process.env.ANVIL_BIN
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const packageName = `@foundry-rs/anvil-${process.platform}-${arch}`
  try {
    const require = createRequire(import.meta.url)
    const binary = join(dirname(require.resolve(`${packageName}/package.json`)), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
    if (existsSync(binary)) return binary
  } catch {
    // not installed for this platform: fall through to PATH
  }
  return 'anvil'
}

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))))
    })
  })
}

/** True when something answers JSON-RPC at `rpcUrl` (a chain is up there). */
export async function rpcAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    })
    return response.ok
  } catch {
    return false
  }
}

/** Why anvil did not start; a missing binary says where it comes from rather than `spawn anvil ENOENT`. */
function spawnFailure(error: NodeJS.ErrnoException): string {
  if (error.code !== 'ENOENT') return error.message
  return `could not start: no anvil binary at "${anvilBinary()}". "npm install" brings one with @foundry-rs/anvil (its platform package); run it again, or set ANVIL_BIN`
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

async function launch(port: number, chainId: number, startTimeoutMs: number): Promise<AnvilInstance> {
  const rpcUrl = `http://127.0.0.1:${port}`
  const child = spawn(anvilBinary(), ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Keep the tail of what anvil says (for errors) and keep its pipes drained so it never blocks.
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let spawnError: Error | undefined
  child.once('error', (error) => {
    spawnError = error
  })

  const pid = child.pid
  const killOnExit = () => {
    if (pid !== undefined && child.exitCode === null) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  process.once('exit', killOnExit)

  const stop = async () => {
    process.removeListener('exit', killOnExit)
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return
    process.kill(pid, 'SIGTERM')
    if (!(await waitForExit(child, 5000))) {
      process.kill(pid, 'SIGKILL')
      await waitForExit(child, 5000)
    }
  }

  const deadline = Date.now() + startTimeoutMs
  while (!(await rpcAnswers(rpcUrl))) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop()
      const why = spawnError ? spawnFailure(spawnError) : child.exitCode !== null ? `exited with code ${child.exitCode}` : 'did not answer in time'
      throw new Error(`anvil on port ${port} ${why}.\n${output}`)
    }
    await sleep(50)
  }

  const chain = defineChain({
    id: chainId,
    name: `Anvil ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
  return {
    rpcUrl,
    chainId,
    port,
    pid: pid ?? -1,
    chain,
    accounts: ANVIL_PRIVATE_KEYS.map((key) => privateKeyToAccount(key)),
    privateKeys: ANVIL_PRIVATE_KEYS,
    stop,
  }
}

/** Starts anvil on 127.0.0.1 and resolves once its RPC answers. Stop it with `stop()` (also done on process exit). */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilInstance> {
  const chainId = options.chainId ?? 31337
  const startTimeoutMs = options.startTimeoutMs ?? 20_000
  if (options.port !== undefined) return launch(options.port, chainId, startTimeoutMs)
  // A free port can be taken between our probe and anvil's bind: try a few.
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(await freePort(), chainId, startTimeoutMs)
    } catch (error) {
      lastError = error
    }
  }
  throw lastError
}

/** A wallet client for `account` on the node, extended with the public actions. */
export function anvilClient(anvil: Pick<AnvilInstance, 'chain' | 'rpcUrl'>, account: Account): AnvilClient {
  return createWalletClient({ account, chain: anvil.chain, transport: http(anvil.rpcUrl) }).extend(publicActions)
}

type DeployerClient = WalletClient<Transport, Chain | undefined, Account>

export interface DeployTestUsdcOptions {
  /** EIP-712 domain name (default `USDC`, as on Base Sepolia). */
  name?: string
  /** EIP-712 domain version (default `2`). */
  version?: string
}

/** Deploys TestUSDC from the client's account (which becomes its minter) and returns its address. */
export async function deployTestUsdc(client: DeployerClient, options: DeployTestUsdcOptions = {}): Promise<Address> {
  const chainClient = client.extend(publicActions)
  const hash = await chainClient.deployContract({
    abi: TEST_USDC_ABI,
    bytecode: TEST_USDC_BYTECODE,
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
}

export async function startUsdcChain(options: StartUsdcChainOptions = {}): Promise<UsdcChain> {
  const { fund = 1_000_000n, name = 'USDC', version = '2', ...anvilOptions } = options
  const anvil = await startAnvil(anvilOptions)
  try {
    const owner = anvilClient(anvil, anvil.accounts[0]!)
    const buyer = anvil.accounts[1]!
    const token = await deployTestUsdc(owner, { name, version })
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
