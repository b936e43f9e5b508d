// Verification with a cache of successful answers and single-flight: concurrent requests carrying the same
// token for the same offer share one facilitator call. Failures and invalid answers are never cached.
import { TollgateError } from '../errors.js'
import type { Facilitator, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import type { Store } from '../store/types.js'
import { withDeadline } from './deadline.js'

export interface VerifyOutcome {
  result: VerifyResult
  /** Answered from the cache or by another request's call in flight. */
  shared: boolean
}

export interface Verifier {
  /**
   * `cacheKey` is the verification cache's whole key (`tg:verify:<token hash>|<offer>`), built by the caller so
   * that a reusable token's key is one string, built once. A cache hit on a store that reads synchronously (the
   * in-memory one) comes back without a promise.
   */
  verify(cacheKey: string, request: VerifyRequest, timeoutMs: number): VerifyOutcome | Promise<VerifyOutcome>
}

/** A synchronous read of the cache, where the store has one (`memoryStore().getSync`); errors read as a miss. */
export type SyncRead = (key: string) => unknown

export function createVerifier(facilitator: Facilitator, store: Pick<Store, 'get' | 'set'>, ttlMs: number, readNow?: SyncRead): Verifier {
  const inFlight = new Map<string, Promise<VerifyResult>>()

  async function callFacilitator(key: string, request: VerifyRequest, timeoutMs: number, cache = ttlMs > 0): Promise<VerifyResult> {
    const result = await withDeadline('verify', timeoutMs, (signal) => facilitator.verify(request, signal))
    assertVerifyResult(result)
    if (result.isValid && cache) await store.set(key, result, ttlMs)
    return result
  }

  function verify(cacheKey: string, request: VerifyRequest, timeoutMs: number): VerifyOutcome | Promise<VerifyOutcome> {
    if (readNow && ttlMs > 0 && !facilitator.perRequestVerification) {
      // The hot path of a reusable token: no promise at all.
      const cached = readSafely(readNow, cacheKey) as VerifyResult | undefined
      if (cached) return { result: cached, shared: true }
      return verifyAsync(cacheKey, request, timeoutMs, false)
    }
    return verifyAsync(cacheKey, request, timeoutMs, true)
  }

  async function verifyAsync(cacheKey: string, request: VerifyRequest, timeoutMs: number, readCache: boolean): Promise<VerifyOutcome> {
    if (facilitator.perRequestVerification) return { result: await callFacilitator('', request, timeoutMs, false), shared: false }
    if (ttlMs > 0 && readCache) {
      const cached = await store.get<VerifyResult>(cacheKey)
      if (cached) return { result: cached, shared: true }
    }
    const pending = inFlight.get(cacheKey)
    if (pending) return { result: await pending, shared: true }
    const call = callFacilitator(cacheKey, request, timeoutMs)
    inFlight.set(cacheKey, call)
    const forget = () => inFlight.delete(cacheKey)
    call.then(forget, forget)
    return { result: await call, shared: false }
  }

  return { verify }
}

function readSafely(read: SyncRead, key: string): unknown {
  try {
    return read(key)
  } catch {
    return undefined // a cache that cannot be read is only a slower cache
  }
}

export function assertVerifyResult(value: unknown): asserts value is VerifyResult {
  const result = value as Partial<VerifyResult> | null
  const ok =
    typeof result?.isValid === 'boolean' && // (only an object has one)
    (result.invalidReason === undefined || typeof result.invalidReason === 'string') &&
    (result.payer === undefined || typeof result.payer === 'string')
  if (!ok) {
    throw new TollgateError('facilitator_bad_response', 'The facilitator answered verify with something that is not a VerifyResponse.', {
      step: 'verify',
      expected: '{ isValid: boolean, invalidReason?: string, payer?: string }',
    })
  }
}

export function assertSettleResult(value: unknown): void {
  const result = value as { success?: unknown; transaction?: unknown; errorReason?: unknown } | null
  const ok =
    typeof result?.success === 'boolean' && // (only an object has one)
    (result.transaction === undefined || typeof result.transaction === 'string') &&
    (result.errorReason === undefined || typeof result.errorReason === 'string')
  if (!ok) {
    throw new TollgateError('facilitator_bad_response', 'The facilitator answered settle with something that is not a SettleResponse.', {
      step: 'settle',
      expected: '{ success: boolean, transaction: string, network: string, errorReason?: string }',
    })
  }
}
