// Without the native secp256k1 (edge runtimes, or not installed) the voucher check falls back to viem and decides alike.
import { type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it, vi } from 'vitest'
import { nativeSecp256k1 } from '../native-recover.js'
import { voucherTypedData } from './typed-data.js'
import { verifyVoucherSignature } from './voucher-verify.js'

vi.mock('../native-recover.js', () => ({ nativeSecp256k1: () => null }))

const payer = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

describe('verifyVoucherSignature without the native binding', () => {
  it('takes a valid voucher and refuses another amount, the other v and the malleable twin', async () => {
    const channelId = `0x${'cd'.repeat(32)}` as Hex
    const signature = await payer.signTypedData(voucherTypedData({ channelId, maxClaimableAmount: 9n }, 8453))
    const check = { channelId, maxClaimableAmount: 9n, signature, signer: payer.address, chainId: 8453 }
    const flipped = signature.endsWith('1b') ? '1c' : '1b'
    const highS = (N - BigInt(`0x${signature.slice(66, 130)}`)).toString(16).padStart(64, '0')
    expect(nativeSecp256k1()).toBeNull()
    expect(await verifyVoucherSignature(check)).toBe(true)
    expect(await verifyVoucherSignature({ ...check, maxClaimableAmount: 10n })).toBe(false)
    expect(await verifyVoucherSignature({ ...check, signature: `${signature.slice(0, 130)}${flipped}` as Hex })).toBe(false)
    expect(await verifyVoucherSignature({ ...check, signature: `${signature.slice(0, 66)}${highS}${flipped}` as Hex })).toBe(false)
  })
})
