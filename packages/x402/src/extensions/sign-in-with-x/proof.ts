// Reading and checking a SIGN-IN-WITH-X proof before its signature: the header's JSON, then the spec's field rules
// (domain and URI bound to the origin and the resource, issuedAt recent and not ahead, expiry, notBefore).
// Reasons are the spec's `invalid_siwx_*` strings, so a client can tell what to fix.
import { base64ToBytes } from '../../codec/base64.js'
import type { SignInProof } from './message.js'

/** A proof's fields were read and hold, or the reason they do not. */
export type FieldCheck = { ok: true; proof: SignInProof } | { ok: false; reason: string; message: string }

const REQUIRED = ['domain', 'address', 'uri', 'version', 'chainId', 'type', 'nonce', 'issuedAt', 'signature'] as const
const OPTIONAL = ['statement', 'expirationTime', 'notBefore', 'requestId', 'signatureScheme'] as const

/** The proof in a SIGN-IN-WITH-X header value (base64 JSON), or why it cannot be read. */
export function readSignInHeader(value: string): FieldCheck {
  let proof: unknown
  try {
    proof = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64ToBytes(value)))
  } catch {
    return refuse('invalid_siwx_header', 'The SIGN-IN-WITH-X header is not base64 JSON.')
  }
  if (typeof proof !== 'object' || proof === null || Array.isArray(proof)) return refuse('invalid_siwx_header', 'The SIGN-IN-WITH-X header is not a JSON object.')
  const fields = proof as Record<string, unknown>
  for (const name of REQUIRED) {
    if (typeof fields[name] !== 'string' || fields[name] === '') return refuse('invalid_siwx_header', `The sign-in lacks "${name}" (a non-empty string).`)
  }
  for (const name of OPTIONAL) {
    if (fields[name] !== undefined && typeof fields[name] !== 'string') return refuse('invalid_siwx_header', `The sign-in's "${name}" must be a string.`)
  }
  const resources = fields.resources
  if (resources !== undefined && !(Array.isArray(resources) && resources.every((r) => typeof r === 'string'))) {
    return refuse('invalid_siwx_header', 'The sign-in\'s "resources" must be a list of URIs.')
  }
  return { ok: true, proof: proof as SignInProof }
}

export interface FieldRules {
  /** The public origin the sign-in must name (its host as `domain`, its origin in `uri`). */
  origin: URL
  /** The resource's path: `uri` must name the resource being asked for. */
  pathname: string
  /** How old `issuedAt` may be, in ms. */
  maxAgeMs: number
  now: number
}

/** The spec's field rules, in its order. */
export function checkFields(proof: SignInProof, rules: FieldRules): FieldCheck {
  if (proof.version !== '1') return refuse('invalid_siwx_header', 'The sign-in\'s "version" must be "1" (CAIP-122).')
  if (proof.domain !== rules.origin.host) {
    return refuse('invalid_siwx_domain_mismatch', `The sign-in is for "${proof.domain}", not "${rules.origin.host}".`)
  }
  let uri: URL
  try {
    uri = new URL(proof.uri)
  } catch {
    return refuse('invalid_siwx_uri_mismatch', 'The sign-in\'s "uri" is not a URL.')
  }
  if (uri.origin !== rules.origin.origin || uri.pathname !== rules.pathname) {
    return refuse('invalid_siwx_uri_mismatch', `The sign-in is for ${uri.origin}${uri.pathname}, not ${rules.origin.origin}${rules.pathname}.`)
  }
  const issuedAt = Date.parse(proof.issuedAt)
  if (Number.isNaN(issuedAt)) return refuse('invalid_siwx_issued_at', 'The sign-in\'s "issuedAt" is not a date.')
  if (issuedAt > rules.now) return refuse('invalid_siwx_issued_at_in_future', 'The sign-in was issued in the future.')
  if (rules.now - issuedAt > rules.maxAgeMs) {
    return refuse('invalid_siwx_issued_at_too_old', `The sign-in challenge is older than ${Math.round(rules.maxAgeMs / 1000)} s: ask for a new one.`)
  }
  if (proof.expirationTime !== undefined) {
    const expires = Date.parse(proof.expirationTime)
    if (Number.isNaN(expires)) return refuse('invalid_siwx_expiration_time', 'The sign-in\'s "expirationTime" is not a date.')
    if (expires <= rules.now) return refuse('invalid_siwx_expired', 'The sign-in has expired: ask for a new challenge.')
  }
  if (proof.notBefore !== undefined) {
    const notBefore = Date.parse(proof.notBefore)
    if (Number.isNaN(notBefore)) return refuse('invalid_siwx_not_before', 'The sign-in\'s "notBefore" is not a date.')
    if (notBefore > rules.now) return refuse('invalid_siwx_not_yet_valid', 'The sign-in is not valid yet (notBefore).')
  }
  return { ok: true, proof }
}

function refuse(reason: string, message: string): FieldCheck {
  return { ok: false, reason, message }
}
