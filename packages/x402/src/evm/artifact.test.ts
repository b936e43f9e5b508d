import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { TEST_USDC_ABI, TEST_USDC_BYTECODE } from './test-usdc.artifact.js'
import { TEST_WALLET_ABI } from './test-wallet.artifact.js'

const compileScript = fileURLToPath(new URL('../../contracts/compile.mjs', import.meta.url))

describe('the checked-in contract artifacts', () => {
  it.each([
    ['TestUSDC', 'test-usdc.artifact.ts'],
    ['TestWallet', 'test-wallet.artifact.ts'],
    ['TestWalletFactory', 'test-wallet-factory.artifact.ts'],
  ])('%s: is what contracts/compile.mjs produces from its source today (else run `node contracts/compile.mjs`)', async (name, file) => {
    const { stdout } = await promisify(execFile)(process.execPath, [compileScript, '--stdout', name], { maxBuffer: 16 * 1024 * 1024 })
    const checkedIn = await readFile(fileURLToPath(new URL(`./${file}`, import.meta.url)), 'utf8')
    expect(checkedIn === stdout, `src/evm/${file} is stale: run \`node contracts/compile.mjs\` in packages/x402`).toBe(true)
  }, 60_000)

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
