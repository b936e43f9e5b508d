// fromPayments(payments): a Facilitator over an `@nevermined-io/payments` 1.x instance you already have.
// The SDK is not a dependency: it is typed here by the two methods used, so any version with that shape works.
import { abortable } from '../facilitator/abort.js'
import { TollgateError, isTollgateError } from '../errors.js'
import type { Facilitator, SettleRequest, SettleResult, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import {
  agentRequestIdOf,
  classifyStatus,
  planOfferExtra,
  refusedSettle,
  refusedVerify,
  toSettleResult,
  toVerifyResult,
  wirePaymentRequired,
  type Failure,
  type Step,
} from './answers.js'
import { checkKeys, settleChoice, settleFields, type NvmSettleChoice } from './options.js'
import { redact } from './redact.js'

// A non-2xx answer without a backend code: `http_402` since SDK 1.4, `HTTP 402` before.
const HTTP_CODE = /^(?:http_|HTTP )(\d{3})$/

/** One plan offer as the SDK types it. */
export interface NvmOffer {
  scheme: string
  network: string
  planId: string
  extra?: { version?: string; agentId?: string; httpVerb?: string }
}

/** The 402 as the SDK types it (`X402PaymentRequired`). */
export interface NvmPaymentRequired {
  x402Version: 2
  error?: string
  resource: { url: string; description?: string; mimeType?: string }
  accepts: NvmOffer[]
  extensions: Record<string, unknown>
}

/** What `payments.facilitator.verifyPermissions` takes in the SDK 1.x. */
export interface NvmPermissionParams {
  /** The route's 402 offer, the same object for verify and settle. */
  paymentRequired: NvmPaymentRequired
  /** The buyer's access token, verbatim. */
  x402AccessToken: string
  /** Credits to authorise (verify) or burn (settle). */
  maxAmount?: bigint
}

/** What `payments.facilitator.settlePermissions` takes: the same, plus the id verify returned. */
export interface NvmSettleParams extends NvmPermissionParams {
  agentRequestId?: string
  /** Several LLM calls priced under one agent request. */
  batch?: boolean
  /** A margin in percent (0 to 10) on the batch's credits. */
  marginPercent?: number
}

/** fromPayments()'s options. */
export interface FromPaymentsOptions {
  /** `batch` and `marginPercent` for settlePermissions, fixed or chosen per settle request, as for nevermined(). */
  settle?: NvmSettleChoice
}

/** The part of a `Payments` instance (`Payments.getInstance({ nvmApiKey, environment })`) this uses. */
export interface NvmPaymentsLike {
  readonly facilitator: {
    verifyPermissions(params: NvmPermissionParams): Promise<unknown>
    settlePermissions(params: NvmSettleParams): Promise<unknown>
  }
}

/** A Facilitator that calls `payments.facilitator.verifyPermissions` / `settlePermissions`. */
export function fromPayments(payments: NvmPaymentsLike, options: FromPaymentsOptions = {}): Facilitator {
  checkKeys(options, ['settle'], 'fromPayments()', '{ settle? }')
  const settleOptions = settleChoice(options.settle, 'fromPayments()')
  const facilitator = (payments as Partial<NvmPaymentsLike> | null | undefined)?.facilitator
  if (typeof facilitator?.verifyPermissions !== 'function' || typeof facilitator.settlePermissions !== 'function') {
    throw new TollgateError(
      'invalid_options',
      'fromPayments() needs an @nevermined-io/payments 1.x instance: payments.facilitator.verifyPermissions and settlePermissions were not found.',
      { path: 'payments.facilitator', expected: '{ verifyPermissions(), settlePermissions() }' },
    )
  }
  const sdk = facilitator

  return {
    name: 'nevermined',
    // Verify opens an agent request (agentRequestId) that one settle redeems: never share one between requests.
    perRequestVerification: true,
    offerExtra: planOfferExtra,

    async verify(request: VerifyRequest, signal: AbortSignal): Promise<VerifyResult> {
      const params: NvmPermissionParams = {
        paymentRequired: sdkPaymentRequired(request),
        x402AccessToken: request.token,
        maxAmount: BigInt(request.amount),
      }
      try {
        return toVerifyResult(await untilAborted(sdk.verifyPermissions(params), signal, 'verify'))
      } catch (error) {
        const failure = classifyThrown('verify', error, request.token)
        if (failure.kind === 'error') throw failure.error
        return refusedVerify(failure)
      }
    },

    async settle(request: SettleRequest, signal: AbortSignal): Promise<SettleResult> {
      const params: NvmSettleParams = {
        paymentRequired: sdkPaymentRequired(request),
        x402AccessToken: request.token,
        maxAmount: BigInt(request.amount),
      }
      const agentRequestId = agentRequestIdOf(request)
      if (agentRequestId !== undefined) params.agentRequestId = agentRequestId
      const chosen = settleFields(settleOptions, request, 'fromPayments()')
      if (chosen !== undefined) Object.assign(params, chosen)
      try {
        return toSettleResult(await untilAborted(sdk.settlePermissions(params), signal, 'settle'), request)
      } catch (error) {
        const failure = classifyThrown('settle', error, request.token)
        if (failure.kind === 'error') throw failure.error
        return refusedSettle(failure, request)
      }
    },
  }
}

/** The wire object, typed as the SDK declares it; plan offers (plan()) always carry a string planId. */
function sdkPaymentRequired(request: VerifyRequest): NvmPaymentRequired {
  return wirePaymentRequired(request) as unknown as NvmPaymentRequired
}

/**
 * What the SDK threw, sorted. Its PaymentsError carries `code`: the backend's code (`BCK.X402.0059`) when the answer
 * had one, else `http_<status>` (SDK 1.4 and later; `HTTP <status>` before), or `network_error`.
 */
function classifyThrown(step: Step, error: unknown, token: string): Failure {
  if (isTollgateError(error)) return { kind: 'error', error }
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>
  const code = typeof fields.code === 'string' ? fields.code : undefined
  const raw = error instanceof Error ? error.message : typeof fields.message === 'string' ? fields.message : String(error)
  const message = redact(raw, [token])
  const http = code === undefined ? undefined : HTTP_CODE.exec(code)
  const status = http?.[1] !== undefined ? Number(http[1]) : numeric(fields.status) ?? numeric(fields.statusCode)
  const backendCode = code !== undefined && http === null && code !== 'network_error' ? code : undefined
  if (backendCode !== undefined && backendCode.startsWith('BCK.')) return { kind: 'refused', reason: backendCode, message }
  if (status !== undefined) return classifyStatus(step, status, backendCode, message)
  return {
    kind: 'error',
    error: new TollgateError('facilitator_error', `Nevermined ${step} failed: ${message}`, { step, ...(code ? { reason: code } : {}) }, { cause: error }),
  }
}

/** The SDK takes no AbortSignal: stop waiting when the signal fires (the call itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, step: Step): Promise<T> {
  return abortable(promise, signal, (aborted) => abortReason(aborted, step))
}

function abortReason(signal: AbortSignal, step: Step): TollgateError {
  const reason: unknown = signal.reason
  if (isTollgateError(reason)) return reason
  return new TollgateError('facilitator_error', `Nevermined ${step}: the call was aborted.`, { step, failure: 'aborted' }, { cause: reason })
}

function numeric(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined
}
