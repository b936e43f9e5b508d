// createPaywall's options, validated once at construction with errors that name the bad option.
import { TollgateError } from '../errors.js'
import { memoryStore } from '../store/memory.js'
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
  const store = options.store ?? memoryStore({ maxEntries: 100_000 })
  const cacheStore = options.store ?? memoryStore({ maxEntries: 10_000 })
  for (const method of ['get', 'set', 'add', 'delete'] as const) {
    if (typeof (store as unknown as Record<string, unknown>)[method] !== 'function') invalid('store', `a Store with get, set, add and delete (missing ${method})`)
  }
  const outbox = options.outbox as unknown as Record<string, unknown> | undefined
  if (outbox !== undefined && ['add', 'claim', 'reschedule', 'remove'].some((method) => typeof outbox?.[method] !== 'function')) {
    invalid('outbox', 'an Outbox with add, claim, reschedule and remove, e.g. memoryOutbox() or redisOutbox(...)')
  }
  if (options.baseUrl !== undefined && !isHttpUrl(options.baseUrl)) invalid('baseUrl', 'an absolute http(s) URL such as https://api.example.com')
  return {
    verifyTimeoutMs: positive('verifyTimeoutMs', options.verifyTimeoutMs, DEFAULTS.verifyTimeoutMs),
    settleTimeoutMs: positive('settleTimeoutMs', options.settleTimeoutMs, DEFAULTS.settleTimeoutMs),
    verifyCacheTtlMs: nonNegative('verifyCacheTtlMs', options.verifyCacheTtlMs, DEFAULTS.verifyCacheTtlMs),
    maxHeaderBytes: positive('maxHeaderBytes', options.maxHeaderBytes, DEFAULTS.maxHeaderBytes),
    trustProxy: flag('trustProxy', options.trustProxy, false),
    baseUrl: options.baseUrl,
    settle: oneOf('settle', options.settle, ['after', 'before'] as const, 'after'),
    onSettleFailure: oneOf('onSettleFailure', options.onSettleFailure, ['fail', 'deliver'] as const, 'fail'),
    htmlPaywall: flag('htmlPaywall', options.htmlPaywall, true),
    speculative: options.speculative === undefined ? undefined : flag('speculative', options.speculative, false),
    store,
    cacheStore,
    idempotency: resolveIdempotency(options.idempotency),
  }
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

export function positive(path: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) invalid(path, 'a positive finite number')
  return value
}

function nonNegative(path: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) invalid(path, 'a finite number >= 0')
  return value
}

function flag(path: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') invalid(path, 'true or false')
  return value
}

export function oneOf<T extends string>(path: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value)) invalid(path, allowed.map((v) => `'${v}'`).join(' or '))
  return value
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}
