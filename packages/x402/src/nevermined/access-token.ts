// Reading an access token: the PaymentPayload it carries, its version (2 reusable, 3 single-use) and what it pays.
// Free of the backend calls, so a server can read tokens without them.
// The version is that of the token Nevermined returned, never the one asked for: a backend that predates v3 drops
// `tokenVersion` from the request silently and mints a v2 token.
import { decodeBase64Json } from '../codec/base64.js'
import { isRecord } from '../codec/record.js'
import { PaymentPayloadSchema } from '../codec/schemas.js'
import type { PaymentPayload } from '../codec/types.js'
import { validateWire } from '../codec/validate.js'
import { TollgateError, isTollgateError } from '../errors.js'

/** Nevermined's access token versions: 2 can be settled many times, 3 once (it carries a nonce). */
export type NvmTokenVersion = 2 | 3

export interface AccessTokenInfo {
  /** 3 when the token carries `payload.authorization.nonce` (a non-blank string), else 2. */
  version: NvmTokenVersion
  /** True for v3: the first settlement spends it, a second one is refused with `BCK.X402.0059`. Ask for a new one. */
  singleUse: boolean
  /** The v3 nonce (`0x` + 32 bytes hex as Nevermined mints it). */
  nonce?: string
  /** The plan it pays with (`accepted.planId`). */
  planId?: string
  scheme?: string
  network?: string
  agentId?: string
  /** The method a v3 token is bound to (`accepted.extra.httpVerb`). */
  httpVerb?: string
  /** The resource URL a v3 token is bound to, when the token names it. */
  resource?: string
  /** The subscriber (`payload.authorization.from`). */
  payer?: string
}

/** Reads an access token (base64url or base64 JSON) into the PaymentPayload it carries. Throws `malformed_payment`. */
export function decodeAccessToken(token: string): PaymentPayload {
  if (typeof token !== 'string' || token.trim() === '') {
    throw new TollgateError('malformed_payment', 'The access token is empty.', { expected: 'base64url of a JSON PaymentPayload' })
  }
  const decoded = validateWire<PaymentPayload>(decodeBase64Json(token.trim()), PaymentPayloadSchema, 2, 'access token')
  if (isTollgateError(decoded)) throw decoded
  return decoded
}

/**
 * Reads an access token (the `PAYMENT-SIGNATURE` value, or its decoded PaymentPayload): its version, whether it is
 * single-use, and the plan it pays. Nothing is verified: only Nevermined checks the signature. Throws
 * `malformed_payment` for a string that is not an access token.
 */
export function readAccessToken(token: string | PaymentPayload): AccessTokenInfo {
  const payload = typeof token === 'string' ? decodeAccessToken(token) : token
  const authorization = record(record(payload?.payload)?.authorization)
  const accepted = record(payload?.accepted)
  const extra = record(accepted?.extra)
  const nonce = authorization?.nonce
  // Only a string counts, as in Nevermined's SDKs: a v3 read as v2 would be reused and fail at settle.
  const singleUse = typeof nonce === 'string' && nonce.trim() !== ''
  const info: AccessTokenInfo = { version: singleUse ? 3 : 2, singleUse }
  if (singleUse) info.nonce = nonce
  copyString(info, 'planId', accepted?.planId)
  copyString(info, 'scheme', accepted?.scheme)
  copyString(info, 'network', accepted?.network)
  copyString(info, 'agentId', extra?.agentId)
  copyString(info, 'httpVerb', extra?.httpVerb)
  copyString(info, 'resource', record(payload?.resource)?.url)
  copyString(info, 'payer', authorization?.from)
  return info
}

/** Whether a token is spent by its first settlement (v3). False for anything that is not an access token. */
export function isSingleUseToken(token: string | PaymentPayload): boolean {
  try {
    return readAccessToken(token).singleUse
  } catch {
    return false
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined
}

function copyString<K extends keyof AccessTokenInfo>(info: AccessTokenInfo, key: K, value: unknown): void {
  if (typeof value === 'string' && value !== '') (info as unknown as Record<string, unknown>)[key] = value
}
