// Nevermined's answers in the Facilitator's terms, shared by nevermined() (HTTP) and fromPayments() (the SDK):
// 2xx bodies become VerifyResult / SettleResult, and failed calls are sorted into "the payment was refused"
// (resolve with isValid/success false) and "the facilitator failed" (reject).
import type { PaymentRequired } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import type { SettleRequest, SettleResult, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import { isRecord } from '../codec/record.js'

/** Backend code for "this access token was already used": the one answer is a new token, never a retry. */
export const TOKEN_ALREADY_USED = 'BCK.X402.0059'

export type Step = 'verify' | 'settle'

/** A failed call: the payer's problem (a reason for the 402) or ours (an error for a 502). */
export type Failure = { kind: 'refused'; reason: string; message: string | undefined } | { kind: 'error'; error: TollgateError }

// Not the payer's fault: our key is wrong (401), a proxy wants auth (407), or the backend is busy (408, 429).
const OUR_PROBLEM_4XX = new Set([401, 407, 408, 429])

/** Sorts a non-2xx answer. 4xx are payment problems, except the ones above and a 404 that is not Nevermined's. */
export function classifyStatus(step: string, status: number, code: string | undefined, message: string | undefined, hint?: string): Failure {
  const payerProblem = status >= 400 && status < 500 && !OUR_PROBLEM_4XX.has(status) && !(status === 404 && code === undefined)
  const text = [message, hint].filter((part) => part !== undefined && part !== '').join(' ')
  if (payerProblem) return { kind: 'refused', reason: code ?? `http_${status}`, message: text === '' ? undefined : text }
  const details: Record<string, unknown> = { step, status }
  if (code !== undefined) details.reason = code
  if (hint !== undefined) details.hint = hint
  const said = text === '' ? '' : `: ${text}`
  return {
    kind: 'error',
    error: new TollgateError('facilitator_error', `Nevermined ${step} failed with HTTP ${status}${code ? ` (${code})` : ''}${said}`, details),
  }
}

export function refusedVerify(failure: Extract<Failure, { kind: 'refused' }>): VerifyResult {
  const result: VerifyResult = { isValid: false, invalidReason: failure.reason }
  if (failure.message !== undefined) result.invalidMessage = failure.message
  return result
}

export function refusedSettle(failure: Extract<Failure, { kind: 'refused' }>, request: SettleRequest): SettleResult {
  return { success: false, errorReason: failure.reason, transaction: '', network: request.requirements.network }
}

/** A 2xx verify body: `{ isValid, invalidReason?, payer?, network?, agentRequestId?, agentRequest? }`. */
export function toVerifyResult(json: unknown): VerifyResult {
  const body = withoutNulls(json, ['invalidReason', 'invalidMessage', 'payer', 'network', 'agentRequestId'])
  const ok =
    isRecord(body) &&
    typeof body.isValid === 'boolean' &&
    optionalString(body.invalidReason) &&
    optionalString(body.invalidMessage) &&
    optionalString(body.payer) &&
    optionalString(body.network)
  if (!ok) throw badResponse('verify', '{ isValid: boolean, invalidReason?: string, payer?: string, agentRequestId?: string }')
  const result = { ...body } as VerifyResult
  // Settle needs the id; newer backends also nest it in `agentRequest`.
  if (typeof result.agentRequestId !== 'string') {
    const nested = isRecord(body.agentRequest) ? body.agentRequest.agentRequestId : undefined
    if (typeof nested === 'string' && nested !== '') result.agentRequestId = nested
    else delete result.agentRequestId
  }
  return result
}

/** A 2xx settle body: `{ success, errorReason?, payer?, transaction, network, creditsRedeemed?, remainingBalance? }`. */
export function toSettleResult(json: unknown, request: SettleRequest): SettleResult {
  const body = withoutNulls(json, ['transaction', 'network', 'errorReason', 'payer'])
  const ok =
    isRecord(body) &&
    typeof body.success === 'boolean' &&
    optionalString(body.transaction) &&
    optionalString(body.network) &&
    optionalString(body.errorReason) &&
    optionalString(body.payer)
  if (!ok) throw badResponse('settle', '{ success: boolean, transaction: string, network: string, errorReason?: string }')
  const result: SettleResult = {
    ...body,
    success: body.success as boolean,
    transaction: (body.transaction as string | undefined) ?? '',
    network: (body.network as string | undefined) ?? request.requirements.network,
  }
  if (!result.success && result.errorReason === undefined) result.errorReason = 'settlement_failed'
  return result
}

/** The agentRequestId verify handed out, if any: settle must carry it back. */
export function agentRequestIdOf(request: SettleRequest): string | undefined {
  const id = request.verification.agentRequestId
  return typeof id === 'string' && id !== '' ? id : undefined
}

/**
 * The 402 as Nevermined gets it, the same for verify and settle: only its own offers (a route that also takes
 * USDC lists `exact` offers, which Nevermined's API does not model), and `extensions: {}` as its SDK sends.
 */
export function wirePaymentRequired(request: VerifyRequest): PaymentRequired {
  const { paymentRequired } = request
  const ours = paymentRequired.accepts.filter((offer) => offer.scheme.startsWith('nvm:'))
  const mixed = ours.length > 0 && ours.length < paymentRequired.accepts.length
  if (!mixed && paymentRequired.extensions !== undefined) return paymentRequired
  return { ...paymentRequired, accepts: mixed ? ours : paymentRequired.accepts, extensions: paymentRequired.extensions ?? {} }
}

function badResponse(step: Step, expected: string): TollgateError {
  return new TollgateError('facilitator_bad_response', `Nevermined answered ${step} with something that is not a ${step === 'verify' ? 'VerifyResponse' : 'SettleResponse'}.`, {
    step,
    expected,
  })
}

/** A JSON `null` in an optional field means "absent" (backends serialise missing fields either way). */
function withoutNulls(json: unknown, keys: readonly string[]): Record<string, unknown> | null {
  if (!isRecord(json)) return null
  const body = { ...json }
  for (const key of keys) if (body[key] === null) delete body[key]
  return body
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string'
}

/**
 * What Nevermined's facilitators add to a plan offer: the route's method as `extra.httpVerb`, as the SDK's middleware
 * always sends the request's method. `plan({ httpVerb })` wins (the option's own extra is kept over this).
 */
export function planOfferExtra(kind: { scheme: string; method?: string }): Record<string, unknown> | undefined {
  return kind.scheme.startsWith('nvm:') && kind.method !== undefined ? { httpVerb: kind.method } : undefined
}
