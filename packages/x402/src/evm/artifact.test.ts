import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { TEST_USDC_ABI, TEST_USDC_BYTECODE } from './test-usdc.artifact.js'
import { TEST_WALLET_ABI } from './test-wallet.artifact.js'
import { TEST_TOKEN_ABI } from './test-token.artifact.js'
import { PERMIT2_ABI } from './permit2.artifact.js'
import { UPTO_PROXY_ABI } from './upto-proxy.artifact.js'
import { EXACT_PROXY_ABI } from './exact-proxy.artifact.js'

const compileScript = fileURLToPath(new URL('../../contracts/compile.mjs', import.meta.url))

describe('the checked-in contract artifacts', () => {
  it.each([
    ['TestUSDC', 'test-usdc.artifact.ts'],
    ['TestWallet', 'test-wallet.artifact.ts'],
    ['TestWalletFactory', 'test-wallet-factory.artifact.ts'],
    ['TestToken', 'test-token.artifact.ts'],
    ['Permit2', 'permit2.artifact.ts'],
    ['X402UptoPermit2Proxy', 'upto-proxy.artifact.ts'],
    ['X402ExactPermit2Proxy', 'exact-proxy.artifact.ts'],
    ['x402BatchSettlement', 'batch-settlement.artifact.ts'],
    ['ERC3009DepositCollector', 'erc3009-deposit-collector.artifact.ts'],
    ['Permit2DepositCollector', 'permit2-deposit-collector.artifact.ts'],
    ['Multicall3', 'multicall3.artifact.ts'],
  ])('%s: is what contracts/compile.mjs produces from its source today (else run `node contracts/compile.mjs`)', async (name, file) => {
    const { stdout } = await promisify(execFile)(process.execPath, [compileScript, '--stdout', name], { maxBuffer: 16 * 1024 * 1024 })
    const checkedIn = await readFile(fileURLToPath(new URL(`./${file}`, import.meta.url)), 'utf8')
    expect(checkedIn === stdout, `src/evm/${file} is stale: run \`node contracts/compile.mjs\` in packages/x402`).toBe(true)
  }, 60_000)

  it('the Permit2 proxies take the settle arguments of the x402 reference proxies, and TestToken has no EIP-3009', () => {
    const inputs = (abi: readonly { type: string; name?: string; inputs?: readonly { type: string }[] }[]) =>
      abi.find((item) => item.type === 'function' && item.name === 'settle')?.inputs?.map((input) => input.type)
    expect(inputs(UPTO_PROXY_ABI)).toEqual(['tuple', 'uint256', 'address', 'tuple', 'bytes'])
    expect(inputs(EXACT_PROXY_ABI)).toEqual(['tuple', 'address', 'tuple', 'bytes'])
    expect(PERMIT2_ABI.some((item) => item.type === 'function' && item.name === 'permitWitnessTransferFrom')).toBe(true)
    expect(TEST_TOKEN_ABI.map((item) => ('name' in item ? String(item.name) : '')).includes('transferWithAuthorization')).toBe(false)
  })

  it('TestWallet answers ERC-1271 isValidSignature(bytes32,bytes)', () => {
    const check = TEST_WALLET_ABI.find((item) => item.type === 'function' && item.name === 'isValidSignature')
    expect(check && 'inputs' in check ? check.inputs.map((input) => input.type) : []).toEqual(['bytes32', 'bytes'])
  })

  it('exposes both transferWithAuthorization forms, authorizationState and mint', () => {
    const functions = TEST_USDC_ABI.filter((item) => item.type === 'function')
    const transfers = functions.filter((f) => f.name === 'transferWithAuthorization').map((f) => f.inputs.map((i) => i.type).join(','))
    expect(transfers.sort()).toEqual([
      'address,address,uint256,uint256,uint256,bytes32,bytes',
      'address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32',
    ])
    const names = new Set<string>(functions.map((f) => f.name))
    for (const name of ['authorizationState', 'mint', 'DOMAIN_SEPARATOR', 'balanceOf', 'receiveWithAuthorization', 'cancelAuthorization']) {
      expect(names.has(name), name).toBe(true)
    }
    expect(TEST_USDC_BYTECODE).toMatch(/^0x(?:[0-9a-f]{2})+$/)
  })
})
