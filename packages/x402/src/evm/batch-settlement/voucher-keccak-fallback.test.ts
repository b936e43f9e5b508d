// Where hash-wasm cannot be had (not installed, or an edge runtime refusing to compile WASM from bytes, or a build
// that answers wrongly), the voucher check keeps viem's Keccak and decides alike; readying it never rejects.
import { keccak256, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { voucherTypedData } from './typed-data.js'

const hashWasm = vi.hoisted(() => ({ module: undefined as unknown }))
vi.mock('../optional-module.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../optional-module.js')>()
  return { requireOptional: (id: string) => (id === 'hash-wasm' ? hashWasm.module : actual.requireOptional(id)) }
})

const payer = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const channelId = `0x${'ef'.repeat(32)}` as Hex

async function freshCheck() {
  vi.resetModules()
  const keccak = await import('./voucher-keccak.js')
  const verify = await import('./voucher-verify.js')
  return { ...keccak, ...verify }
}

async function decidesAlike(verifyVoucherSignature: (check: Parameters<typeof import('./voucher-verify.js').verifyVoucherSignature>[0]) => Promise<boolean>) {
  const signature = await payer.signTypedData(voucherTypedData({ channelId, maxClaimableAmount: 3n }, 8453))
  const check = { channelId, maxClaimableAmount: 3n, signature, signer: payer.address, chainId: 8453 }
  expect(await verifyVoucherSignature(check)).toBe(true)
  expect(await verifyVoucherSignature({ ...check, maxClaimableAmount: 4n })).toBe(false)
}

describe('the voucher check without hash-wasm', () => {
  beforeEach(() => {
    hashWasm.module = undefined
  })

  it('keeps viem\'s Keccak when the package is not installed', async () => {
    const check = await freshCheck()
    await expect(check.prepareVoucherCheck()).resolves.toBeUndefined()
    expect(check.voucherKeccakKind()).toBe('javascript')
    await decidesAlike(check.verifyVoucherSignature)
  })

  it('keeps viem\'s Keccak when compiling the WASM is refused, as on Cloudflare Workers, and no check waits or fails for it', async () => {
    let refuse: (error: Error) => void = () => undefined
    hashWasm.module = { createKeccak: () => new Promise((_, reject) => { refuse = reject }) }
    const check = await freshCheck()
    await decidesAlike(check.verifyVoucherSignature) // while the WASM is still being compiled
    refuse(new Error('WebAssembly.compile(): Wasm code generation disallowed by embedder'))
    await expect(check.prepareVoucherCheck()).resolves.toBeUndefined()
    expect(check.voucherKeccakKind()).toBe('javascript')
    await decidesAlike(check.verifyVoucherSignature)
  })

  it('refuses a WASM hasher that answers otherwise than viem\'s', async () => {
    const wrong = { init: () => wrong, update: () => wrong, digest: () => new Uint8Array(32) }
    hashWasm.module = { createKeccak: async () => wrong }
    const check = await freshCheck()
    await check.prepareVoucherCheck()
    expect(check.voucherKeccakKind()).toBe('javascript')
    expect(check.voucherKeccak(new Uint8Array(3))).toEqual(keccak256(new Uint8Array(3), 'bytes'))
    await decidesAlike(check.verifyVoucherSignature)
  })
})
