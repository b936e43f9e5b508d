// The voucher check's Keccak on Node: hash-wasm's once ready, viem's before, the same answers from both.
import { keccak256, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { voucherTypedData } from './typed-data.js'
import { prepareVoucherKeccak, voucherKeccak, voucherKeccakKind } from './voucher-keccak.js'
import { prepareVoucherCheck, verifyVoucherSignature } from './voucher-verify.js'

const inputs = [0, 1, 20, 64, 66, 96, 135, 136, 137, 300].map((length) => Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff))
const payer = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')

describe('the voucher check\'s Keccak', () => {
  it('answers with viem\'s Keccak at once, before the WASM one is ready, and starts readying it', async () => {
    expect(voucherKeccakKind()).toBe('javascript')
    for (const input of inputs) expect(voucherKeccak(input)).toEqual(keccak256(input, 'bytes'))
    await prepareVoucherKeccak()
    expect(voucherKeccakKind()).toBe('wasm')
  })

  it('answers as viem does with hash-wasm\'s, on every length around a Keccak block, input after input', async () => {
    await prepareVoucherCheck()
    expect(voucherKeccakKind()).toBe('wasm')
    for (let round = 0; round < 2; round++) {
      for (const input of inputs) expect(voucherKeccak(input)).toEqual(keccak256(input, 'bytes'))
    }
  })

  it('decides vouchers with it as before: the payer\'s taken, another amount refused', async () => {
    await prepareVoucherCheck()
    const channelId = `0x${'cd'.repeat(32)}` as Hex
    const signature = await payer.signTypedData(voucherTypedData({ channelId, maxClaimableAmount: 9n }, 8453))
    const check = { channelId, maxClaimableAmount: 9n, signature, signer: payer.address, chainId: 8453 }
    expect(await verifyVoucherSignature(check)).toBe(true)
    expect(await verifyVoucherSignature({ ...check, maxClaimableAmount: 10n })).toBe(false)
  })
})
