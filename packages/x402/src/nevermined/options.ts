// Checks of the options nevermined(), fromPayments() and requestAccessToken() share, made when they are called.
import { TollgateError } from '../errors.js'
import type { SettleRequest } from '../facilitator/types.js'

/** What settle may add for Nevermined, passed to its API verbatim (its SDK's `settlePermissions` takes the same). */
export interface NvmSettleOptions {
  /** Several LLM calls priced under one agent request (the `agentRequestId` verify opened). */
  batch?: boolean
  /** A margin, in percent, added to the credits the batch's calls cost (Nevermined accepts 0 to 10). */
  marginPercent?: number
}

/** Settle options for every settlement, or chosen per settlement (by route, plan or amount) from its request. */
export type NvmSettleChoice = NvmSettleOptions | ((request: SettleRequest) => NvmSettleOptions | undefined)

const SETTLE_KEYS = ['batch', 'marginPercent']
// The backend API version, MAJOR.MINOR: anything else is answered 400 on every call.
const API_VERSION = /^\d+\.\d+$/

export function invalid(who: string, path: string, message: string, expected: string): TollgateError {
  return new TollgateError('invalid_options', `${who}: ${message}.`, { path, expected })
}

/** Refuses anything but an object whose keys are all in `keys`. */
export function checkKeys(options: unknown, keys: readonly string[], who: string, shape: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TollgateError('invalid_options', `${who} needs an options object: ${shape}.`, { path: '', expected: shape })
  }
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) throw invalid(who, key, `unknown option ${JSON.stringify(key)}; expected one of ${keys.join(', ')}`, keys.join(' | '))
  }
}

export function resolveFetch(value: unknown, who: string): typeof fetch {
  const chosen = value ?? globalThis.fetch
  if (typeof chosen !== 'function') {
    throw new TollgateError('invalid_options', `${who}: fetch must be a function (no global fetch was found).`, { path: 'fetch', expected: 'a fetch function' })
  }
  return chosen as typeof fetch
}

export function optionalTimeout(value: unknown, path: string, who: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TollgateError('invalid_options', `${who}: ${path} must be a positive number of milliseconds.`, { path, expected: 'a positive finite number' })
  }
  return value
}

/** `Nevermined-Version`: the backend API version to pin, MAJOR.MINOR such as "1.1". */
export function optionalApiVersion(value: unknown, who: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !API_VERSION.test(value)) {
    throw invalid(who, 'apiVersion', 'apiVersion must be a backend API version, MAJOR.MINOR such as "1.1" (not the SDK\'s package version)', 'MAJOR.MINOR')
  }
  return value
}

/** `X-Current-Org-Id`: an organisation id such as "org-...". */
export function optionalOrgId(value: unknown, who: string): string | undefined {
  if (value === undefined) return undefined
  // It goes into a header: no control characters, no surrounding spaces.
  if (typeof value !== 'string' || value === '' || value.trim() !== value || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalid(who, 'orgId', 'orgId must be an organisation id such as "org-...", without spaces around it', 'an organisation id')
  }
  return value
}

/** The settle choice, checked now when it is an object; a function's answers are checked on each settle. */
export function settleChoice(value: unknown, who: string): ((request: SettleRequest) => NvmSettleOptions | undefined) | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'function') {
    const choose = value as (request: SettleRequest) => unknown
    return (request) => checkSettleOptions(choose(request), who, 'settle()')
  }
  const fixed = checkSettleOptions(value, who, 'settle')
  return () => fixed
}

/**
 * The fields to add to one settle: the facilitator's choice, then what the handler asked with `ctx.settleWith()`
 * (it wins). A key Nevermined does not take throws `invalid_options`: a misspelt `batch` must not pass unnoticed.
 */
export function settleFields(
  choose: ((request: SettleRequest) => NvmSettleOptions | undefined) | undefined,
  request: SettleRequest,
  who: string,
): NvmSettleOptions | undefined {
  const chosen = choose?.(request)
  const asked = request.settleOptions === undefined ? undefined : checkSettleOptions(request.settleOptions, who, 'ctx.settleWith()')
  return asked === undefined ? chosen : { ...chosen, ...asked }
}

function checkSettleOptions(value: unknown, who: string, path: string): NvmSettleOptions | undefined {
  if (value === undefined) return undefined
  checkKeys(value, SETTLE_KEYS, `${who} ${path}`, '{ batch?, marginPercent? }')
  const { batch, marginPercent } = value as Record<string, unknown>
  if (batch !== undefined && typeof batch !== 'boolean') throw invalid(who, `${path}.batch`, 'settle batch must be true or false', 'a boolean')
  if (marginPercent !== undefined && (typeof marginPercent !== 'number' || !Number.isFinite(marginPercent) || marginPercent < 0)) {
    throw invalid(who, `${path}.marginPercent`, 'settle marginPercent must be a number of percent, 0 or more (Nevermined accepts up to 10)', 'a number from 0')
  }
  const options: NvmSettleOptions = {}
  if (batch !== undefined) options.batch = batch
  if (marginPercent !== undefined) options.marginPercent = marginPercent
  return options
}
