// The voucher check's hot path on bytes (about 10,000 a second per core is the target): the EIP-712 digest and
// the signature parsed straight into reused buffers, no hex round trips, the form checks on bytes, and the
// recovered key's address compared without a checksum. Everything from parsing to the recovery is synchronous,
// so one set of buffers serves every check.
import { keccak256, type Address, type Hex } from 'viem'
import { voucherKeccak } from './voucher-keccak.js'

interface Recovery {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean, output?: Uint8Array): Uint8Array
}

/** Each ASCII character's hex value, -1 for a character that is not a hex digit: one load per digit. */
const HEX_VALUES = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) {
  HEX_VALUES['0123456789abcdef'.charCodeAt(i)] = i
  HEX_VALUES['0123456789ABCDEF'.charCodeAt(i)] = i
}

const VOUCHER_TYPEHASH = keccak256(new TextEncoder().encode('Voucher(bytes32 channelId,uint128 maxClaimableAmount)'), 'bytes')
const MAX_UINT256 = (1n << 256n) - 1n
const MAX_UINT64 = (1n << 64n) - 1n
/** s of a canonical signature is at most half the curve order (the contract refuses the malleable upper half). */
const HALF_CURVE_ORDER = hexBytes('7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0')

/** The struct: typehash | channelId | maxClaimableAmount (uint256, big-endian). */
const struct = new Uint8Array(96)
struct.set(VOUCHER_TYPEHASH, 0)
const amountWords = new DataView(struct.buffer, 64, 32)
/** The message: 0x1901 | domain separator | struct hash. */
const message = new Uint8Array(66)
message.set([0x19, 0x01], 0)
let separatorInMessage: Hex | undefined
const signature = new Uint8Array(65)
/** Views made once: r | s for the recovery, and the recovered key written into one reused buffer (X | Y after a 0x04). */
const signatureRS = signature.subarray(0, 64)
const publicKey = new Uint8Array(65)
const publicKeyXY = publicKey.subarray(1)
const address = new Uint8Array(20)
/** The signer whose bytes `address` holds: a channel's vouchers share one, so it is parsed once per run of them. */
let signerInAddress: string | undefined

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  writeHex(hex, 0, out, 0, out.length)
  return out
}

/** Writes the hex digits of `hex` from character `from` into `out` at `at`; false on a character that is not hex. */
function writeHex(hex: string, from: number, out: Uint8Array, at: number, length: number): boolean {
  for (let i = 0; i < length; i++) {
    const highCode = hex.charCodeAt(from + 2 * i)
    const lowCode = hex.charCodeAt(from + 2 * i + 1)
    if ((highCode | lowCode) > 127) return false
    const high = HEX_VALUES[highCode]!
    const low = HEX_VALUES[lowCode]!
    if ((high | low) < 0) return false
    out[at + i] = (high << 4) | low
  }
  return true
}

/** Writes a uint256 as four big-endian 64-bit words; most amounts fit the last one. */
function writeAmount(amount: bigint): void {
  if (amount <= MAX_UINT64) {
    amountWords.setBigUint64(0, 0n)
    amountWords.setBigUint64(8, 0n)
    amountWords.setBigUint64(16, 0n)
    amountWords.setBigUint64(24, amount)
    return
  }
  for (let word = 0; word < 4; word++) amountWords.setBigUint64(8 * word, BigInt.asUintN(64, amount >> BigInt(192 - 64 * word)))
}

/**
 * The voucher's digest as bytes, equal to `voucherDigest`'s; undefined for a channel id that is not 32 bytes or an
 * amount outside uint256 (the hex path decides those, as before).
 */
export function voucherDigestBytes(channelId: Hex, maxClaimableAmount: bigint, domainSeparator: Hex): Uint8Array | undefined {
  if (channelId.length !== 66 || maxClaimableAmount < 0n || maxClaimableAmount > MAX_UINT256) return undefined
  if (!writeHex(channelId, 2, struct, 32, 32)) return undefined
  // The separator is one cached string per chain and contract: parsed again only when it changes.
  if (domainSeparator !== separatorInMessage) {
    separatorInMessage = undefined
    if (domainSeparator.length !== 66 || !writeHex(domainSeparator, 2, message, 2, 32)) return undefined
    separatorInMessage = domainSeparator
  }
  writeAmount(maxClaimableAmount)
  message.set(voucherKeccak(struct), 34)
  return voucherKeccak(message)
}

/** 65 bytes, v 27 or 28, s in the lower half: the form the contract's recovery accepts. */
function isCanonical(bytes: Uint8Array): boolean {
  if (bytes[64] !== 27 && bytes[64] !== 28) return false
  for (let i = 0; i < 32; i++) {
    if (bytes[32 + i] !== HALF_CURVE_ORDER[i]) return bytes[32 + i]! < HALF_CURVE_ORDER[i]!
  }
  return true
}

/**
 * Whether `signatureHex` over `digest` is canonical and recovers to `signer`. Recovery, not `ecdsaVerify`: verification
 * ignores v, and a voucher with the other v recovers another address on chain.
 */
export function recoversToSigner(native: Recovery, digest: Uint8Array, signatureHex: Hex, signer: Address): boolean {
  if (signatureHex.length !== 132 || !writeHex(signatureHex, 2, signature, 0, 65) || !isCanonical(signature)) return false
  if (signer !== signerInAddress) {
    signerInAddress = undefined
    if (signer.length !== 42 || !writeHex(signer, 2, address, 0, 20)) return false
    signerInAddress = signer
  }
  try {
    // Into the reused buffer: the binding then allocates nothing; a binding that ignores it answers its own array.
    const recovered = native.ecdsaRecover(signatureRS, signature[64]! - 27, digest, false, publicKey)
    if (recovered !== publicKey) publicKey.set(recovered)
  } catch {
    return false
  }
  const hash = voucherKeccak(publicKeyXY)
  for (let i = 0; i < 20; i++) if (hash[12 + i] !== address[i]) return false
  return true
}
