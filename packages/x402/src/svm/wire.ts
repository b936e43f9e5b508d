// Reads a serialized Solana transaction (legacy or v0) into what the checks need: the signatures, the signed message
// bytes, the static accounts and the instructions by address. Written against the wire format, so that a
// transaction using address lookup tables, another message version or trailing bytes is refused, never guessed at.
import { getBase58Decoder, getBase64Encoder } from '@solana/kit'

export interface SvmInstruction {
  program: string
  accounts: string[]
  data: Uint8Array
}

export interface SvmTransaction {
  /** The signature slots in account order (all zero where a signer has not signed yet). */
  signatures: Uint8Array[]
  /** The bytes the signatures sign. */
  messageBytes: Uint8Array
  /** `legacy` or 0. */
  version: 'legacy' | 0
  /** How many of the first accounts must sign; account 0 pays the fees. */
  signers: number
  accounts: string[]
  blockhash: string
  instructions: SvmInstruction[]
}

const base58 = getBase58Decoder()
const base64 = getBase64Encoder()

/** The transaction in `base64`, or undefined when it is not one we can read. */
export function decodeSvmTransaction(encoded: unknown): SvmTransaction | undefined {
  if (typeof encoded !== 'string' || encoded.length === 0 || encoded.length > 2000) return undefined
  try {
    return readTransaction(new Uint8Array(base64.encode(encoded)))
  } catch {
    return undefined
  }
}

/** base58 of 32 (an address) or 64 bytes (a signature). */
export function toBase58(bytes: Uint8Array): string {
  return base58.decode(bytes)
}

function readTransaction(bytes: Uint8Array): SvmTransaction | undefined {
  const reader = new Reader(bytes)
  const signatureCount = reader.shortVec()
  const signatures: Uint8Array[] = []
  for (let i = 0; i < signatureCount; i++) signatures.push(reader.take(64))
  const messageStart = reader.at
  const first = reader.peek()
  let version: 'legacy' | 0 = 'legacy'
  if (first & 0x80) {
    if ((first & 0x7f) !== 0) return undefined
    version = 0
    reader.take(1)
  }
  const [signers] = reader.take(3)
  const accountCount = reader.shortVec()
  const accounts: string[] = []
  for (let i = 0; i < accountCount; i++) accounts.push(toBase58(reader.take(32)))
  const blockhash = toBase58(reader.take(32))
  const instructionCount = reader.shortVec()
  const instructions: SvmInstruction[] = []
  for (let i = 0; i < instructionCount; i++) {
    const program = accounts[reader.byte()]
    const indices = reader.take(reader.shortVec())
    const data = reader.take(reader.shortVec())
    const named = Array.from(indices, (index) => accounts[index])
    if (program === undefined || named.some((account) => account === undefined)) return undefined
    instructions.push({ program, accounts: named as string[], data })
  }
  // Lookup tables would name accounts we cannot see without the chain: refused.
  if (version === 0 && reader.shortVec() !== 0) return undefined
  if (!reader.done() || signers === undefined || signers !== signatureCount || signers === 0) return undefined
  return { signatures, messageBytes: bytes.subarray(messageStart), version, signers, accounts, blockhash, instructions }
}

class Reader {
  at = 0
  constructor(private readonly bytes: Uint8Array) {}
  peek(): number {
    if (this.at >= this.bytes.length) throw new RangeError('truncated')
    return this.bytes[this.at]!
  }
  byte(): number {
    const value = this.peek()
    this.at++
    return value
  }
  take(length: number): Uint8Array {
    if (this.at + length > this.bytes.length) throw new RangeError('truncated')
    const out = this.bytes.subarray(this.at, this.at + length)
    this.at += length
    return out
  }
  /** Solana's compact-u16: 7 bits a byte, at most 3 bytes. */
  shortVec(): number {
    let value = 0
    for (let shift = 0; shift < 21; shift += 7) {
      const byte = this.byte()
      value |= (byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return value
    }
    throw new RangeError('bad length')
  }
  done(): boolean {
    return this.at === this.bytes.length
  }
}

/** The transaction on the wire again, with `signatures` in its slots (the fee payer's added). */
export function encodeSvmTransaction(signatures: readonly Uint8Array[], messageBytes: Uint8Array): Uint8Array {
  const count = shortVecBytes(signatures.length)
  const out = new Uint8Array(count.length + signatures.length * 64 + messageBytes.length)
  out.set(count, 0)
  signatures.forEach((signature, i) => out.set(signature, count.length + i * 64))
  out.set(messageBytes, count.length + signatures.length * 64)
  return out
}

function shortVecBytes(value: number): Uint8Array {
  const bytes: number[] = []
  do {
    let byte = value & 0x7f
    value >>= 7
    if (value > 0) byte |= 0x80
    bytes.push(byte)
  } while (value > 0)
  return Uint8Array.from(bytes)
}

/** Standard base64 of `bytes` (in slices: an account's data can be large). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000))
  return btoa(binary)
}
