// createPaywall's options, validated once at construction with errors that name the bad option.
import { TollgateError } from '../errors.js'
import { checkBaseUrl } from '../requirements/resource.js'
import { boundedStore } from '../store/memory.js'
import type { Store } from '../store/types.js'
import { IDEMPOTENCY_DEFAULTS, type IdempotencySettings } from './idempotency.js'
import type { PaywallOptions } from './types.js'

export interface ResolvedOptions {
  verifyTimeoutMs: number
  settleTimeoutMs: number
  verifyCacheTtlMs: number
  maxHeaderBytes: number
  trustProxy: boolean
  baseUrl: string | undefined
  settle: 'after' | 'before'
  onSettleFailure: 'fail' | 'deliver'
  htmlPaywall: boolean
  /** Undefined: speculative handling on GET routes only. */
  speculative: boolean | undefined
  /** Holds locks on single-use payments and the consumed set. */
  store: Store
  /** Holds the verification cache: the user's store when given, else a bounded store of its own. */
  cacheStore: Store
  idempotency: IdempotencySettings | undefined
}

export const DEFAULTS = {
  verifyTimeoutMs: 10_000,
  settleTimeoutMs: 30_000,
  verifyCacheTtlMs: 10_000,
  maxHeaderBytes: 8192,
} as const

export function resolveOptions(options: PaywallOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') invalid('options', 'an object { routes, facilitator, ... }')
  if (!options.routes || typeof options.routes !== 'object' || Object.keys(options.routes).length === 0) {
    invalid('routes', "a map of at least one route, e.g. { 'GET /weather': exact({ price: '$0.01', network, payTo }) }")
  }
  const facilitator = options.facilitator as Partial<PaywallOptions['facilitator']> | undefined
  if (!facilitator || typeof facilitator.verify !== 'function' || typeof facilitator.settle !== 'function') {
    invalid('facilitator', 'a Facilitator with verify() and settle(), e.g. nevermined({ apiKey }) or httpFacilitator({ url })')
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') invalid('onEvent', 'a function (event) => void')
  // By default the replay guard gets a store of its own, so a flood of cache entries cannot evict the
  // record of a consumed payment.
  const store = options.store ?? boundedStore(100_000)
  const cacheStore = options.store ?? boundedStore(10_000)
  for (const method of ['get', 'set', 'add', 'delete'] as const) {
    if (typeof (store as unknown as Record<string, unknown>)[method] !== 'function') invalid('store', `a Store with get, set, add and delete (missing ${method})`)
  }
  const outbox = options.outbox as unknown as Record<string, unknown> | undefined
  if (outbox !== undefined && ['add', 'claim', 'reschedule', 'remove'].some((method) => typeof outbox?.[method] !== 'function')) {
    invalid('outbox', 'an Outbox with add, claim, reschedule and remove, e.g. memoryOutbox() or redisOutbox(...)')
  }
  if (options.baseUrl !== undefined) checkBaseUrl(options.baseUrl)
  const resolved = { ...DEFAULTS, ...POLICY_DEFAULTS } as Record<string, unknown>
  for (const [name, policy] of Object.entries(POLICIES)) {
    const value = (options as unknown as Record<string, unknown>)[name]
    if (value !== undefined) resolved[name] = check(name, value, policy)
  }
  return {
    ...(resolved as Pick<ResolvedOptions, keyof typeof POLICIES>),
    baseUrl: options.baseUrl,
    store,
    cacheStore,
    idempotency: resolveIdempotency(options.idempotency),
  }
}

// The policy options, in the order they are checked: what each must be (the words of its error) and the test.
type Policy = readonly [expected: string, test: (value: unknown) => boolean]
const POSITIVE: Policy = ['a positive finite number', (value) => typeof value === 'number' && Number.isFinite(value) && value > 0]
const FLAG: Policy = ['true or false', (value) => typeof value === 'boolean']
const oneOf = (...allowed: string[]): Policy => [allowed.map((v) => `'${v}'`).join(' or '), (value) => allowed.includes(value as string)]
export const POLICIES = {
  verifyTimeoutMs: POSITIVE,
  settleTimeoutMs: POSITIVE,
  verifyCacheTtlMs: ['a finite number >= 0', (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0] as Policy,
  maxHeaderBytes: POSITIVE,
  trustProxy: FLAG,
  settle: oneOf('after', 'before'),
  onSettleFailure: oneOf('fail', 'deliver'),
  htmlPaywall: FLAG,
  speculative: FLAG,
}
// Undefined speculative: speculative handling on GET routes only.
const POLICY_DEFAULTS = { trustProxy: false, settle: 'after', onSettleFailure: 'fail', htmlPaywall: true, speculative: undefined }

/** A route's own policies, checked as the paywall's are (in that order), the errors naming the route. */
export const ROUTE_POLICIES = ['verifyTimeoutMs', 'settleTimeoutMs', 'settle', 'onSettleFailure', 'speculative'] as const

/** `value` if it passes `policy`, else the error naming `path`. */
export function check(path: string, value: unknown, [expected, test]: Policy): unknown {
  if (!test(value)) invalid(path, expected)
  return value
}

function resolveIdempotency(value: PaywallOptions['idempotency']): IdempotencySettings | undefined {
  if (value === false) return undefined
  if (value !== undefined && (typeof value !== 'object' || value === null)) invalid('idempotency', 'false or { ttlMs?, maxBodyBytes? }')
  return {
    ttlMs: positive('idempotency.ttlMs', value?.ttlMs, IDEMPOTENCY_DEFAULTS.ttlMs),
    maxBodyBytes: positive('idempotency.maxBodyBytes', value?.maxBodyBytes, IDEMPOTENCY_DEFAULTS.maxBodyBytes),
  }
}

export function invalid(path: string, expected: string): never {
  throw new TollgateError('invalid_options', `createPaywall: option "${path}" is invalid; expected ${expected}.`, { path, expected })
}

function positive(path: string, value: number | undefined, fallback: number): number {
  return value === undefined ? fallback : (check(path, value, POSITIVE) as number)
}
