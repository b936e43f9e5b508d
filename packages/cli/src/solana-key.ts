// The buyer's Solana key for `tollgate pay` and `tollgate mcp call`: TOLLGATE_SOLANA_KEYPAIR holds a keypair file's
// path (the Solana CLI's JSON array of 64 numbers), or that JSON array itself, or the 64-byte secret key in base58.
import { readFileSync } from 'node:fs'
import { UsageError } from './request.js'

const JSON_ARRAY = /^\[[\d\s,]+\]$/
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{80,90}$/

/** The 64 secret-key bytes named by `value`, or a usage error saying what was expected. */
export function solanaSecretKey(value: string): Uint8Array {
  const text = value.trim()
  let bytes: Uint8Array
  if (JSON_ARRAY.test(text)) bytes = Uint8Array.from(JSON.parse(text) as number[])
  else if (BASE58.test(text)) bytes = fromBase58(text)
  else {
    let file: string
    try {
      file = readFileSync(text, 'utf8').trim()
    } catch {
      throw new UsageError('TOLLGATE_SOLANA_KEYPAIR is neither a keypair file we can read, nor a JSON array of 64 numbers, nor a base58 secret key.')
    }
    if (!JSON_ARRAY.test(file)) throw new UsageError(`TOLLGATE_SOLANA_KEYPAIR: ${text} is not a Solana keypair file (a JSON array of 64 numbers).`)
    bytes = Uint8Array.from(JSON.parse(file) as number[])
  }
  if (bytes.length !== 64) throw new UsageError(`TOLLGATE_SOLANA_KEYPAIR holds ${bytes.length} bytes; a Solana keypair has 64 (secret key, then public key).`)
  return bytes
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** base58 (Bitcoin alphabet) to bytes; here, not from @solana/kit, so that commands without a Solana key never load it. */
function fromBase58(text: string): Uint8Array {
  let value = 0n
  for (const char of text) value = value * 58n + BigInt(ALPHABET.indexOf(char))
  const bytes: number[] = []
  for (; value > 0n; value >>= 8n) bytes.unshift(Number(value & 0xffn))
  for (let i = 0; i < text.length && text[i] === '1'; i++) bytes.unshift(0)
  return Uint8Array.from(bytes)
}
