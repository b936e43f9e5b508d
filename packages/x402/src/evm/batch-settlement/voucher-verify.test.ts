// The offline voucher check: who must sign, and the signature forms the contract's claim would refuse.
import { hashTypedData, zeroAddress, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { voucherTypedData } from './typed-data.js'
import { isCanonicalSignature, localVoucherSigner, verifyVoucherSignature, voucherDigest } from './voucher-verify.js'

const key = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const channelId = `0x${'ab'.repeat(32)}` as Hex

describe('verifyVoucherSignature', () => {
  it('computes the EIP-712 digest viem computes, for any chain and contract', () => {
    const contract = '0x0000000000000000000000000000000000001234'
    expect(voucherDigest(channelId, 77n, 8453)).toBe(hashTypedData(voucherTypedData({ channelId, maxClaimableAmount: 77n }, 8453)))
    expect(voucherDigest(channelId, 77n, 8453, contract)).toBe(hashTypedData(voucherTypedData({ channelId, maxClaimableAmount: 77n }, 8453, contract)))
    expect(voucherDigest(channelId, 77n, 8453)).not.toBe(voucherDigest(channelId, 77n, 84532))
  })

  it('takes a voucher of the payer authorizer and refuses another amount, chain or signer', async () => {
    const signature = await key.signTypedData(voucherTypedData({ channelId, maxClaimableAmount: 5_000n }, 8453))
    const check = { channelId, maxClaimableAmount: 5_000n, signature, signer: key.address, chainId: 8453 }
    expect(await verifyVoucherSignature(check)).toBe(true)
    expect(await verifyVoucherSignature({ ...check, signer: key.address.toLowerCase() as Hex })).toBe(true)
    expect(await verifyVoucherSignature({ ...check, maxClaimableAmount: 5_001n })).toBe(false)
    expect(await verifyVoucherSignature({ ...check, chainId: 84532 })).toBe(false)
    expect(await verifyVoucherSignature({ ...check, signer: zeroAddress })).toBe(false)
  })

  it('refuses the forms the contract refuses: not 65 bytes, v other than 27 or 28, garbage', async () => {
    const signature = await key.signTypedData(voucherTypedData({ channelId, maxClaimableAmount: 1n }, 1))
    const check = { channelId, maxClaimableAmount: 1n, signature, signer: key.address, chainId: 1 }
    const withV = (v: number) => `${signature.slice(0, 130)}${v.toString(16).padStart(2, '0')}` as Hex
    expect(isCanonicalSignature(signature)).toBe(true)
    expect(await verifyVoucherSignature({ ...check, signature: withV(Number.parseInt(signature.slice(130), 16) - 27) })).toBe(false)
    expect(await verifyVoucherSignature({ ...check, signature: signature.slice(0, 130) as Hex })).toBe(false)
    expect(await verifyVoucherSignature({ ...check, signature: `0x${'00'.repeat(65)}` as Hex })).toBe(false)
    expect(await verifyVoucherSignature({ ...check, signature: '0x' })).toBe(false)
  })

  it('names the local signer only for a channel with a payer authorizer (else the payer decides, maybe by ERC-1271)', () => {
    expect(localVoucherSigner({ payerAuthorizer: zeroAddress })).toBeUndefined()
    expect(localVoucherSigner({ payerAuthorizer: key.address.toLowerCase() as Hex })).toBe(key.address)
  })
})
