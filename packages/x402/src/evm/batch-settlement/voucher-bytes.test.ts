// The voucher check's byte path: the same digest as the hex path, and the same decisions, whatever came before.
import { domainSeparator, hexToBytes, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { nativeSecp256k1 } from '../native-recover.js'
import { batchSettlementDomain, voucherTypedData } from './typed-data.js'
import { voucherDigestBytes } from './voucher-bytes.js'
import { verifyVoucherSignature, voucherDigest } from './voucher-verify.js'

const payer = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const stranger = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6')
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const channel = (i: number) => `0x${i.toString(16).padStart(64, '0')}` as Hex

async function voucher(account: typeof payer, i: number, chainId = 8453) {
  const channelId = channel(i)
  const maxClaimableAmount = BigInt(i) * 1000n
  const signature = await account.signTypedData(voucherTypedData({ channelId, maxClaimableAmount }, chainId))
  return { channelId, maxClaimableAmount, signature, signer: payer.address, chainId }
}

/** The same (r, s) with s mirrored to the upper half and v flipped: valid ECDSA, refused by the contract. */
function malleable(signature: Hex): Hex {
  const s = N - BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130), 16) === 27 ? 28 : 27
  return `${signature.slice(0, 66)}${s.toString(16).padStart(64, '0')}${v.toString(16)}` as Hex
}

const flipV = (signature: Hex) => `${signature.slice(0, 130)}${signature.endsWith('1b') ? '1c' : '1b'}` as Hex

describe('the voucher check on bytes', () => {
  it('builds the digest the hex path builds, for any amount up to uint256 and any channel id', () => {
    const separator = domainSeparator({ domain: batchSettlementDomain(8453) })
    for (const [id, amount] of [[channel(7), 0n], [`0x${'Ab'.repeat(32)}`, 1n], [`0x${'ff'.repeat(32)}`, (1n << 256n) - 1n]] as const) {
      expect(voucherDigestBytes(id as Hex, amount, separator)).toEqual(hexToBytes(voucherDigest(id as Hex, amount, 8453)))
    }
    expect(voucherDigestBytes(`0x${'ab'.repeat(31)}`, 1n, separator)).toBeUndefined()
    expect(voucherDigestBytes(`0x${'zz'.repeat(32)}`, 1n, separator)).toBeUndefined()
    expect(voucherDigestBytes(channel(1), -1n, separator)).toBeUndefined()
    expect(voucherDigestBytes(channel(1), 1n << 256n, separator)).toBeUndefined()
  })

  it('has the native binding here, so the tests below take the byte path', () => {
    expect(nativeSecp256k1()).not.toBeNull()
  })

  it('takes every voucher of a signer, whatever the case of the signer\'s address', async () => {
    expect(await verifyVoucherSignature(await voucher(payer, 1))).toBe(true)
    expect(await verifyVoucherSignature(await voucher(payer, 2))).toBe(true)
    expect(await verifyVoucherSignature({ ...(await voucher(payer, 3)), signer: payer.address.toLowerCase() as Hex })).toBe(true)
  })

  it('builds each digest from its own chain and contract when they alternate (the parsed separator is reused only for the same one)', () => {
    const other = '0x0000000000000000000000000000000000001234'
    const cases = [[8453, undefined], [84532, undefined], [8453, other], [8453, undefined], [84532, other]] as const
    for (const [chainId, contract] of [...cases, ...cases]) {
      const separator = domainSeparator({ domain: batchSettlementDomain(chainId, contract) })
      expect(voucherDigestBytes(channel(3), 5n, separator)).toEqual(hexToBytes(voucherDigest(channel(3), 5n, chainId, contract)))
    }
    const separator = domainSeparator({ domain: batchSettlementDomain(8453) })
    expect(voucherDigestBytes(channel(3), 5n, `0x${'zz'.repeat(32)}`)).toBeUndefined()
    expect(voucherDigestBytes(channel(3), 5n, separator)).toEqual(hexToBytes(voucherDigest(channel(3), 5n, 8453)))
  })

  it('writes amounts of every width into the digest as the hex path does', () => {
    const separator = domainSeparator({ domain: batchSettlementDomain(8453) })
    for (const amount of [255n, 256n, (1n << 64n) - 1n, 1n << 64n, (1n << 128n) - 1n, 1n << 128n, 0x0123456789abcdef0123456789abcdef0123456789abcdefn, (1n << 255n) + 7n]) {
      expect(voucherDigestBytes(channel(4), amount, separator)).toEqual(hexToBytes(voucherDigest(channel(4), amount, 8453)))
    }
  })

  it('refuses, after the payer\'s own voucher, a voucher by another key, another amount, or the other v', async () => {
    const own = await voucher(payer, 4)
    expect(await verifyVoucherSignature(own)).toBe(true)
    const byStranger = await voucher(stranger, 4)
    expect(await verifyVoucherSignature(byStranger)).toBe(false)
    expect(await verifyVoucherSignature({ ...own, maxClaimableAmount: own.maxClaimableAmount + 1n })).toBe(false)
    expect(await verifyVoucherSignature({ ...own, signature: flipV(own.signature) })).toBe(false)
    expect(await verifyVoucherSignature({ ...own, signature: `${own.signature.slice(0, 130)}1d` as Hex })).toBe(false)
    expect(await verifyVoucherSignature({ ...own, signature: `${own.signature.slice(0, 130)}00` as Hex })).toBe(false)
    // And the payer's own voucher is still taken afterwards.
    expect(await verifyVoucherSignature(own)).toBe(true)
  })

  it('refuses the malleable twin of a valid voucher (high s), though it recovers the same signer', async () => {
    const own = await voucher(payer, 5)
    expect(await verifyVoucherSignature(own)).toBe(true)
    expect(await verifyVoucherSignature({ ...own, signature: malleable(own.signature) })).toBe(false)
  })

  it('refuses a stranger\'s voucher claimed for the payer, and the payer\'s claimed for the stranger', async () => {
    const byStranger = await voucher(stranger, 6)
    expect(await verifyVoucherSignature({ ...byStranger, signer: stranger.address })).toBe(true)
    expect(await verifyVoucherSignature({ ...byStranger, signer: payer.address })).toBe(false)
    expect(await verifyVoucherSignature({ ...(await voucher(payer, 6)), signer: stranger.address })).toBe(false)
  })

  it('decides alike for many signers in turn, refusing each one\'s voucher claimed for the next', async () => {
    const native = nativeSecp256k1() as unknown as { ecdsaSign(m: Uint8Array, k: Uint8Array): { signature: Uint8Array; recid: number } }
    const first = await voucher(payer, 9)
    let previous = payer.address
    for (let i = 1; i <= 40; i++) {
      const key = `0x${(0x1000n + BigInt(i)).toString(16).padStart(64, '0')}` as Hex
      const account = privateKeyToAccount(key)
      const digest = voucherDigest(channel(i), 1n, 8453)
      const { signature, recid } = native.ecdsaSign(hexToBytes(digest), hexToBytes(key))
      const hex = `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}` as Hex
      const check = { channelId: channel(i), maxClaimableAmount: 1n, signature: hex, signer: account.address, chainId: 8453 }
      expect(await verifyVoucherSignature(check)).toBe(true)
      expect(await verifyVoucherSignature({ ...check, signer: previous })).toBe(false)
      previous = account.address
    }
    expect(await verifyVoucherSignature(first)).toBe(true)
    expect(await verifyVoucherSignature({ ...first, signature: flipV(first.signature) })).toBe(false)
  })

  it('refuses hex that is not hex, even outside ASCII, and parses a signer afresh after a refused one', async () => {
    const own = await voucher(payer, 11)
    const separator = domainSeparator({ domain: batchSettlementDomain(8453) })
    // Characters above ASCII are not digits (an 8-bit mask would read U+0130 and U+0161 as 0 and a).
    expect(voucherDigestBytes(`0x\u0130\u0161${'ab'.repeat(31)}`, 1n, separator)).toBeUndefined()
    expect(await verifyVoucherSignature({ ...own, signature: `${own.signature.slice(0, 100)}\u0130\u0161${own.signature.slice(102)}` as Hex })).toBe(false)
    expect(await verifyVoucherSignature(own)).toBe(true)
    const garbled = `${payer.address.slice(0, 40)}zz` as Hex
    expect(await verifyVoucherSignature({ ...own, signer: garbled })).toBe(false)
    expect(await verifyVoucherSignature({ ...own, signer: `${payer.address.slice(0, 40)}\u0130\u0161` as Hex })).toBe(false)
    expect(await verifyVoucherSignature(own)).toBe(true)
    expect(await verifyVoucherSignature({ ...own, signer: stranger.address })).toBe(false)
    expect(await verifyVoucherSignature(own)).toBe(true)
  })
})
