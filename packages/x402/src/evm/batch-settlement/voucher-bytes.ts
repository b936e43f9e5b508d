// The voucher check's hot path on bytes (about 10,000 a second per core is the target): the EIP-712 digest
// without hex round trips, and the recovered public key compared with the one last proven for that signer, so a
// channel's later vouchers skip the keccak of the key. The cache only ever short-cuts a match: a key that differs
// is hashed and compared with the signer's address as if there were no cache. Keccak is viem's (@noble/hashes) on
// bytes: a hand-unrolled one was ~3.5x faster, but a hash primitive is a well-kept library's job, not ours.
import { keccak256, type Address, type Hex } from 'viem'

const keccak256Bytes = (data: Uint8Array): Uint8Array => keccak256(data, 'bytes')

interface Recovery {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array
}

const VOUCHER_TYPEHASH = keccak256(new TextEncoder().encode('Voucher(bytes32 channelId,uint128 maxClaimableAmount)'), 'bytes')
const MAX_UINT256 = (1n << 256n) - 1n
/** Signers whose public key is remembered; the oldest is forgotten first. Bounded so that a flood of signers costs memory once. */
export const SIGNER_KEYS_KEPT = 1024
const signerKeys = new Map<string, Uint8Array>()

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  const lower = code | 32
  return lower >= 97 && lower <= 102 ? lower - 87 : -1
}

/** Writes the hex digits of `hex` from character `from` into `out` at `at`; false on a character that is not hex. */
function writeHex(hex: string, from: number, out: Uint8Array, at: number, length: number): boolean {
  for (let i = 0; i < length; i++) {
    const high = nibble(hex.charCodeAt(from + 2 * i))
    const low = nibble(hex.charCodeAt(from + 2 * i + 1))
    if (high < 0 || low < 0) return false
    out[at + i] = (high << 4) | low
  }
  return true
}

/**
 * The voucher's digest as bytes, equal to `voucherDigest`'s; undefined for a channel id that is not 32 bytes or an
 * amount outside uint256 (the hex path decides those, as before).
 */
export function voucherDigestBytes(channelId: Hex, maxClaimableAmount: bigint, domainSeparator: Hex): Uint8Array | undefined {
  if (channelId.length !== 66 || maxClaimableAmount < 0n || maxClaimableAmount > MAX_UINT256) return undefined
  const struct = new Uint8Array(96)
  struct.set(VOUCHER_TYPEHASH, 0)
  if (!writeHex(channelId, 2, struct, 32, 32)) return undefined
  let amount = maxClaimableAmount
  for (let i = 95; amount > 0n; i--, amount >>= 8n) struct[i] = Number(amount & 0xffn)
  const message = new Uint8Array(66)
  message[0] = 0x19
  message[1] = 0x01
  writeHex(domainSeparator, 2, message, 2, 32)
  message.set(keccak256Bytes(struct), 34)
  return keccak256Bytes(message)
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Whether the canonical 65-byte `signature` over `digest` recovers to `signer`. Recovery, not `ecdsaVerify`, even
 * for a known key: verification ignores v, and a voucher with the other v recovers another address on chain.
 */
export function recoversToSigner(native: Recovery, digest: Uint8Array, signature: Hex, signer: Address): boolean {
  const bytes = new Uint8Array(65)
  if (!writeHex(signature, 2, bytes, 0, 65)) return false
  let publicKey: Uint8Array
  try {
    publicKey = native.ecdsaRecover(bytes.subarray(0, 64), bytes[64]! - 27, digest, false)
  } catch {
    return false
  }
  const key = signer.toLowerCase()
  const known = signerKeys.get(key)
  if (known !== undefined && sameBytes(known, publicKey)) return true
  const address = new Uint8Array(20)
  if (signer.length !== 42 || !writeHex(signer, 2, address, 0, 20)) return false
  if (!sameBytes(keccak256Bytes(publicKey.subarray(1)).subarray(12), address)) return false
  if (known === undefined && signerKeys.size >= SIGNER_KEYS_KEPT) signerKeys.delete(signerKeys.keys().next().value!)
  signerKeys.set(key, publicKey)
  return true
}

/** How many signers' keys are remembered (for tests). */
export function rememberedSignerKeys(): number {
  return signerKeys.size
}
