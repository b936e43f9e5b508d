// The test facilitator's tokens: minted as base64 JSON proofs it remembers, examined against an offer (altered?
// expired? used? enough funds?), and marked used once a single-use one is settled.
import { decodeBase64Json, encodeBase64Json } from '../codec/base64.js'
import type { PaymentRequirements, X402Version } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import type { VerifyRequest } from '../facilitator/types.js'
import type { MintOptions } from './facilitator-types.js'
import { toUnits, unknownPlan, type Ledger } from './ledger.js'
import { toV1Network } from './networks.js'

export interface MintedToken {
  id: string
  payer: string
  requirements: PaymentRequirements
  x402Version: X402Version
  singleUse: boolean
  expiresAt: number | undefined
  maxAmount: bigint | undefined
  /** The token's JSON as minted: a decoded token that differs was altered. */
  json: string
}

export type Examination =
  | { ok: true; token: MintedToken; amount: bigint; key: string }
  | { ok: false; reason: string; message: string; payer?: string }

/** The tokens of one test facilitator, checked against its ledger and its clock. */
export function createTokenBook(ledger: Ledger, now: () => number) {
  const tokens = new Map<string, MintedToken>()
  const usedTokens = new Set<string>()

  function mint(mintOptions: MintOptions): string {
    const requirements = pickRequirements(mintOptions)
    const { payer } = mintOptions
    if (typeof payer !== 'string' || payer === '') {
      throw misuse('mint.payer', 'mint: payer must be a non-empty string (an address or any name).', 'a non-empty string')
    }
    if (requirements.planId !== undefined && !ledger.hasPlan(requirements.planId)) throw unknownPlan(requirements.planId, 'mint')
    if (ledger.keyOf(requirements) === undefined) {
      throw misuse('mint.requirements', `mint: the offer (scheme "${requirements.scheme}") has neither planId nor asset, so the test ledger cannot charge it.`, 'requirements with planId or asset')
    }
    const x402Version = mintOptions.x402Version ?? 2
    if (x402Version !== 1 && x402Version !== 2) throw misuse('mint.x402Version', `mint: x402Version must be 1 or 2, got ${String(x402Version)}.`, '1 | 2')
    const singleUse = mintOptions.singleUse ?? (requirements.scheme === 'exact' || requirements.scheme === 'upto')
    const expiresAt = expiryOf(mintOptions.expiresAt)
    const maxAmount =
      mintOptions.amount !== undefined
        ? toUnits(mintOptions.amount, 'mint.amount')
        : requirements.amount !== undefined
          ? toUnits(requirements.amount, 'mint.requirements.amount')
          : undefined

    const id = `tt_${crypto.randomUUID()}`
    const payload: Record<string, unknown> = { testToken: id, payer, singleUse }
    if (expiresAt !== undefined) payload.expiresAt = expiresAt
    if (maxAmount !== undefined) payload.amount = maxAmount.toString()
    const proof =
      x402Version === 2
        ? { x402Version: 2, ...(mintOptions.resource ? { resource: mintOptions.resource } : {}), accepted: requirements, payload, ...(mintOptions.extensions ? { extensions: mintOptions.extensions } : {}) }
        : { x402Version: 1, scheme: requirements.scheme, network: toV1Network(requirements.network), payload }
    const json = signedPart(proof)
    if (mintOptions.valid !== false) {
      tokens.set(id, { id, payer, requirements, x402Version, singleUse, expiresAt, maxAmount, json })
    }
    return encodeBase64Json(proof)
  }

  function examine(request: VerifyRequest): Examination {
    let decoded: unknown
    try {
      decoded = decodeBase64Json(request.token)
    } catch {
      return refuse('invalid_payload', 'The token is not base64 of JSON.')
    }
    const id = (decoded as { payload?: { testToken?: unknown } } | null)?.payload?.testToken
    const token = typeof id === 'string' ? tokens.get(id) : undefined
    if (token === undefined || signedPart(decoded) !== token.json) {
      return refuse('invalid_signature', 'The token was not minted by this test facilitator, or was altered since.')
    }
    const refuseFor = (reason: string, message: string) => refuse(reason, message, token.payer)
    if (token.x402Version !== request.x402Version) {
      return refuseFor('invalid_x402_version', `The token is x402 v${token.x402Version}; the request says v${request.x402Version}.`)
    }
    const paid = token.requirements
    const offered = request.requirements
    const mismatch = firstMismatch(paid, offered)
    if (mismatch !== undefined) {
      return refuseFor(mismatch.reason, `The token pays ${mismatch.field} ${show(paid[mismatch.field])}; the offer asks ${show(offered[mismatch.field])}.`)
    }
    if (token.expiresAt !== undefined && now() >= token.expiresAt) {
      return refuseFor('authorization_expired', `The token expired at ${new Date(token.expiresAt).toISOString()}.`)
    }
    if (token.singleUse && usedTokens.has(token.id)) {
      return refuseFor('nonce_already_used', 'The token is single-use and was already settled.')
    }
    if (typeof request.amount !== 'string' || !/^\d+$/.test(request.amount)) {
      return refuseFor('invalid_amount', `The amount must be a whole number as a decimal string, got ${show(request.amount)}.`)
    }
    const amount = BigInt(request.amount)
    if (token.maxAmount !== undefined && amount > token.maxAmount) {
      return refuseFor('amount_exceeds_authorization', `The request asks ${amount}; the token authorises at most ${token.maxAmount}.`)
    }
    if (paid.planId !== undefined && !ledger.hasPlan(paid.planId)) {
      return refuseFor('invalid_plan', `Plan "${paid.planId}" is not known (any more) to the test facilitator.`)
    }
    const key = ledger.keyOf(paid) as string // mint refuses offers without one
    const held = ledger.balanceAt(token.payer, key)
    if (held < amount) {
      return refuseFor('insufficient_funds', `${token.payer} holds ${held} on ${describeKey(paid)}; the request needs ${amount}.`)
    }
    return { ok: true, token, amount, key }
  }

  return {
    mint,
    examine,
    /** Whether a single-use token (its header value) has been settled. */
    isUsed(token: string): boolean {
      try {
        const id = (decodeBase64Json(token) as { payload?: { testToken?: unknown } } | null)?.payload?.testToken
        return typeof id === 'string' && usedTokens.has(id)
      } catch {
        return false
      }
    },
    markUsed: (token: MintedToken) => void usedTokens.add(token.id),
    clear() {
      tokens.clear()
      usedTokens.clear()
    },
  }
}

function pickRequirements(options: MintOptions): PaymentRequirements {
  let requirements: unknown
  if (options.requirements !== undefined) {
    requirements = options.requirements
  } else if (options.accepts !== undefined) {
    if (!Array.isArray(options.accepts) || options.accepts.length === 0) {
      throw misuse('mint.accepts', 'mint: accepts must be a non-empty array of payment requirements.', 'a non-empty array')
    }
    const index = options.optionIndex ?? 0
    requirements = options.accepts[index]
    if (requirements === undefined) {
      throw misuse('mint.optionIndex', `mint: optionIndex ${index} is out of range; accepts has ${options.accepts.length} option(s).`, `0..${options.accepts.length - 1}`)
    }
  } else {
    throw misuse('mint.requirements', 'mint: give the offer to pay, as { requirements } or { accepts, optionIndex? }.', '{ requirements } or { accepts }')
  }
  const candidate = requirements as Partial<PaymentRequirements> | null
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.scheme !== 'string' || typeof candidate.network !== 'string') {
    throw misuse('mint.requirements', 'mint: the requirements need string scheme and network (v2 shape).', '{ scheme, network, ... }')
  }
  // A snapshot, as it would be on the wire, so later changes to the caller's object do not leak in.
  return JSON.parse(JSON.stringify(candidate)) as PaymentRequirements
}

const MATCHED_FIELDS = [
  { field: 'scheme', reason: 'invalid_scheme', address: false },
  { field: 'network', reason: 'invalid_network', address: false },
  { field: 'planId', reason: 'invalid_plan', address: false },
  { field: 'payTo', reason: 'invalid_pay_to', address: true },
  { field: 'asset', reason: 'invalid_asset', address: true },
] as const

function firstMismatch(paid: PaymentRequirements, offered: PaymentRequirements) {
  return MATCHED_FIELDS.find(({ field, address }) => {
    const a = paid[field]
    const b = offered[field]
    return address && typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() !== b.toLowerCase() : a !== b
  })
}

function expiryOf(value: number | Date | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = value instanceof Date ? value.getTime() : value
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw misuse('mint.expiresAt', `mint: expiresAt must be a Date or a time in ms, got ${String(value)}.`, 'a Date or a finite number of ms')
  }
  return ms
}

function refuse(reason: string, message: string, payer?: string): Examination {
  return payer === undefined ? { ok: false, reason, message } : { ok: false, reason, message, payer }
}

function describeKey(requirements: PaymentRequirements): string {
  return requirements.planId !== undefined ? `plan ${requirements.planId}` : `asset ${String(requirements.asset)}`
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value)
}

function misuse(path: string, message: string, expected: string): TollgateError {
  return new TollgateError('invalid_options', message, { path, expected })
}

/**
 * What a token's "signature" covers: all of it but `extensions`, which a buyer adds to a payment it made (the 402's
 * extensions echoed, a payment id) and which a real scheme's signature does not cover either.
 */
function signedPart(proof: unknown): string {
  if (typeof proof !== 'object' || proof === null) return JSON.stringify(proof)
  const { extensions: _extensions, ...signed } = proof as Record<string, unknown>
  return JSON.stringify(signed)
}
