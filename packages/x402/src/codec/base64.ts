// Base64 for header values, on web platform APIs only (no Buffer): runs on Node, Bun, Deno and edge.
// Out: standard alphabet with `=` padding. In: standard or url-safe, padded or not. UTF-8 both ways.
import { TollgateError } from '../errors.js'

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })
const BASE64_TEXT = /^[A-Za-z0-9+/\-_]*={0,2}$/
const URL_SAFE = /[-_]/
// JSON on the wire is almost always ASCII, whose UTF-8 bytes are its char codes: btoa/atob then do it all.
const ASCII = /^[\x00-\x7f]*$/
const CHUNK = 0x8000

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[])
  }
  return btoa(binary)
}

export function base64ToBytes(text: string): Uint8Array {
  return bytesOf(base64ToBinary(text))
}

/** Base64 text (standard or url-safe, padded or not) -> a binary string, one char per byte. Throws `malformed_payment`. */
function base64ToBinary(text: string): string {
  if (!BASE64_TEXT.test(text) || text.length % 4 === 1) throw notBase64()
  let standard = URL_SAFE.test(text) ? text.replace(/-/g, '+').replace(/_/g, '/') : text
  // atob wants exactly the padding a length calls for: some senders leave it off, or write too little.
  if (standard.charCodeAt(standard.length - 1) === 61) standard = standard.replace(/=+$/, '')
  const rest = standard.length % 4
  if (rest !== 0) standard += rest === 2 ? '==' : '='
  try {
    return atob(standard)
  } catch (cause) {
    throw notBase64({ cause })
  }
}

// One place for the message: each copy of it was bytes in every app's bundle.
function notBase64(options?: { cause: unknown }): TollgateError {
  return new TollgateError('malformed_payment', 'The header is not valid base64.', { expected: 'base64 (standard or url-safe)' }, options)
}

function bytesOf(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** UTF-8 text -> standard padded base64. */
export function encodeBase64(text: string): string {
  if (ASCII.test(text)) return btoa(text)
  return bytesToBase64(utf8Encoder.encode(text))
}

/** Standard or url-safe base64, padded or not -> UTF-8 text. Throws `malformed_payment`. */
export function decodeBase64(text: string): string {
  const binary = base64ToBinary(text)
  if (ASCII.test(binary)) return binary
  try {
    return utf8Decoder.decode(bytesOf(binary))
  } catch (cause) {
    throw new TollgateError('malformed_payment', 'The header is not UTF-8 text once decoded.', { expected: 'UTF-8 JSON' }, { cause })
  }
}

/** A JSON value -> standard padded base64 of its UTF-8 JSON. */
export function encodeBase64Json(value: unknown): string {
  return encodeBase64(JSON.stringify(value))
}

/** Base64 of UTF-8 JSON -> the parsed value (unvalidated). Throws `malformed_payment`. */
export function decodeBase64Json(text: string): unknown {
  const json = decodeBase64(text)
  try {
    return JSON.parse(json)
  } catch (cause) {
    throw new TollgateError('malformed_payment', 'The header is not JSON once decoded.', { expected: 'base64 of JSON' }, { cause })
  }
}
