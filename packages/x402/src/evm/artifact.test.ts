import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { TEST_USDC_ABI, TEST_USDC_BYTECODE } from './test-usdc.artifact.js'

const compileScript = fileURLToPath(new URL('../../contracts/compile.mjs', import.meta.url))
const artifactFile = fileURLToPath(new URL('./test-usdc.artifact.ts', import.meta.url))

describe('the checked-in TestUSDC artifact', () => {
  it('is what contracts/compile.mjs produces from TestUSDC.sol today (else run `node contracts/compile.mjs`)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [compileScript, '--stdout'], { maxBuffer: 16 * 1024 * 1024 })
    const checkedIn = await readFile(artifactFile, 'utf8')
    expect(checkedIn === stdout, 'src/evm/test-usdc.artifact.ts is stale: run `node contracts/compile.mjs` in packages/x402').toBe(true)
  }, 60_000)

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
