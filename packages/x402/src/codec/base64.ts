// Base64 for header values, on web platform APIs only (no Buffer): runs on Node, Bun, Deno and edge.
// Out: standard alphabet with `=` padding. In: standard or url-safe, padded or not. UTF-8 both ways.
import { TollgateError } from '../errors.js'

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })
const BASE64_TEXT = /^[A-Za-z0-9+/\-_]*={0,2}$/
const CHUNK = 0x8000

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[])
  }
  return btoa(binary)
}

export function base64ToBytes(text: string): Uint8Array {
  if (!BASE64_TEXT.test(text) || text.length % 4 === 1) {
    throw new TollgateError('malformed_payment', 'The header is not valid base64.', { expected: 'base64 (standard or url-safe)' })
  }
  let standard = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
  standard += '='.repeat((4 - (standard.length % 4)) % 4)
  let binary: string
  try {
    binary = atob(standard)
  } catch (cause) {
    throw new TollgateError('malformed_payment', 'The header is not valid base64.', { expected: 'base64 (standard or url-safe)' }, { cause })
  }
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** UTF-8 text -> standard padded base64. */
export function encodeBase64(text: string): string {
  return bytesToBase64(utf8Encoder.encode(text))
}

/** Standard or url-safe base64, padded or not -> UTF-8 text. Throws `malformed_payment`. */
export function decodeBase64(text: string): string {
  const bytes = base64ToBytes(text)
  try {
    return utf8Decoder.decode(bytes)
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
