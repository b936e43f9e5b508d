// JWS compact serialization for offers and receipts (spec §3.3): a header with `alg` and `kid`, the payload in
// JSON canonical form (JCS, RFC 8785), signed with a WebCrypto key: ES256 (ECDSA P-256) or EdDSA (Ed25519).
import { base64ToBytes, bytesToBase64 } from '../../codec/base64.js'

/** JCS (RFC 8785) for JSON values: keys sorted by UTF-16 code units, no whitespace, JSON's number and string forms. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

export function base64url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const utf8 = (text: string) => new TextEncoder().encode(text)

/** The JWS `alg` of a WebCrypto key, and the parameters WebCrypto signs with. */
export function algorithmOf(key: CryptoKey): { alg: 'ES256' | 'EdDSA'; params: AlgorithmIdentifier | EcdsaParams } {
  const algorithm = key.algorithm as { name: string; namedCurve?: string }
  if (algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256') return { alg: 'ES256', params: { name: 'ECDSA', hash: 'SHA-256' } }
  if (algorithm.name === 'Ed25519') return { alg: 'EdDSA', params: { name: 'Ed25519' } }
  throw new TypeError(`offerReceipt: a JWS key must be ECDSA P-256 (ES256) or Ed25519 (EdDSA), not ${algorithm.name} ${algorithm.namedCurve ?? ''}.`)
}

/** `did:jwk:` of a public key: a key id that carries the key itself (the reference resolves it). */
export async function didJwkOf(publicKey: CryptoKey): Promise<string> {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey)
  return 'did:jwk:' + base64url(utf8(canonicalJson({ kty, crv, x, y })))
}

export async function signJws(payload: object, privateKey: CryptoKey, kid: string): Promise<string> {
  const { alg, params } = algorithmOf(privateKey)
  const input = `${base64url(utf8(JSON.stringify({ alg, kid })))}.${base64url(utf8(canonicalJson(payload)))}`
  const signature = new Uint8Array(await crypto.subtle.sign(params, privateKey, utf8(input)))
  return `${input}.${base64url(signature)}`
}

/** A JWS's header and payload, read without checking its signature. */
export function readJws(jws: string): { header: { alg?: string; kid?: string }; payload: Record<string, unknown> } | undefined {
  const parts = jws.split('.')
  if (parts.length !== 3) return undefined
  try {
    const decode = (part: string) => JSON.parse(new TextDecoder().decode(base64ToBytes(part))) as Record<string, unknown>
    return { header: decode(parts[0]!), payload: decode(parts[1]!) }
  } catch {
    return undefined
  }
}

/** Whether `jws` is signed by one of `keys` (public JWKs or CryptoKeys of its `alg`). */
export async function jwsSignedBy(jws: string, keys: readonly (JsonWebKey | CryptoKey)[]): Promise<boolean> {
  const parts = jws.split('.')
  const read = readJws(jws)
  if (!read || parts.length !== 3) return false
  const params = read.header.alg === 'ES256' ? ({ name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const) : read.header.alg === 'EdDSA' ? ({ name: 'Ed25519' } as const) : undefined
  if (!params) return false
  let signature: Uint8Array
  try {
    signature = base64ToBytes(parts[2]!)
  } catch {
    return false
  }
  const data = utf8(`${parts[0]}.${parts[1]}`)
  for (const candidate of keys) {
    try {
      const key = candidate instanceof CryptoKey ? candidate : await crypto.subtle.importKey('jwk', candidate, params, false, ['verify'])
      if (await crypto.subtle.verify(params, key, signature as Uint8Array<ArrayBuffer>, data)) return true
    } catch {
      // A key of another kind: not this one.
    }
  }
  return false
}
