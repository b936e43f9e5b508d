// httpFacilitator: the standard x402 facilitator API over HTTP (POST /verify, POST /settle, GET /supported),
// as served by x402.org, Coinbase CDP and self-hosted facilitators.
import { SettleResponseSchema, SupportedResponseSchema, VerifyResponseSchema } from '../codec/answer-schemas.js'
import type { SupportedKind } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import { abortError, callFacilitator } from './http-call.js'
import { patternCovers, patternRank } from './network-pattern.js'
import { isSettlementPending } from './pending.js'
import { resolveHttpOptions, type HttpFacilitatorOptions } from './http-options.js'
import { createRefreshingCache } from './refreshing-cache.js'
import type { Facilitator, SettleRequest, SettleResult, VerifyRequest, VerifyResult } from './types.js'

export type { FacilitatorEndpoint, FacilitatorHeaders, FacilitatorFetch, HttpFacilitatorOptions } from './http-options.js'

/** After a failed /supported refresh, the stale answer is kept this long (at most the TTL) before a retry. */
const SUPPORTED_RETRY_MS = 30_000

export interface HttpFacilitator extends Facilitator {
  /** `http:<base url>`, for events and errors. */
  readonly name: string
  /** The base URL calls go to, without a trailing slash. */
  readonly url: string
  verify(request: VerifyRequest, signal: AbortSignal): Promise<VerifyResult>
  settle(request: SettleRequest, signal: AbortSignal): Promise<SettleResult>
  /**
   * The kinds listed at `GET /supported`, cached for `supportedTtlMs`: concurrent callers share one request,
   * and once an answer exists it is served at once while a refresh runs in the background.
   */
  supported(signal?: AbortSignal): Promise<SupportedKind[]>
  /**
   * The `extra` its last `/supported` answer lists for a v2 kind (Solana's `feePayer`, batch-settlement's
   * `receiverAuthorizer`), which a paywall puts in that kind's offers; undefined before `/supported` was read:
   * `await facilitator.supported()` (or `checkSupport`) before `createPaywall`.
   */
  offerExtra(kind: { scheme: string; network: string }): Record<string, unknown> | undefined
  /**
   * The extension keys its last `/supported` answer lists (`extensions`, one list beside the kinds, as the
   * reference answers it); undefined before `/supported` was read, or when the answer has no `extensions`.
   */
  supportedExtensions(kind: { scheme: string; network: string }): readonly string[] | undefined
}

export function httpFacilitator(options: HttpFacilitatorOptions): HttpFacilitator {
  const settings = resolveHttpOptions(options)
  // The last /supported answer, read without waiting: offers are made when a paywall is created.
  let lastKinds: readonly SupportedKind[] = []
  let lastExtensions: readonly string[] | undefined

  async function loadSupported(): Promise<SupportedKind[]> {
    // Shared by every caller, so it runs under its own deadline rather than one caller's signal.
    const ms = settings.supportedTimeoutMs
    const controller = new AbortController()
    const timer = setTimeout(() => {
      controller.abort(
        new TollgateError('facilitator_timeout', `The facilitator did not answer /supported within ${ms} ms.`, { step: 'supported', endpoint: 'supported', timeoutMs: ms }),
      )
    }, ms)
    try {
      const answer = await callFacilitator(settings, { endpoint: 'supported', signal: controller.signal, schema: SupportedResponseSchema })
      // The reference lists extension keys (strings).
      lastExtensions = answer.extensions as string[] | undefined
      return (lastKinds = answer.kinds)
    } finally {
      clearTimeout(timer)
    }
  }

  const supportedCache = createRefreshingCache(loadSupported, {
    ttlMs: settings.supportedTtlMs,
    retryMs: Math.min(settings.supportedTtlMs, SUPPORTED_RETRY_MS),
  })

  return {
    name: `http:${settings.base}`,
    url: settings.base,
    async verify(request, signal) {
      return callFacilitator(settings, {
        endpoint: 'verify',
        body: paymentBody(request),
        signal,
        schema: VerifyResponseSchema,
        refusal: (answer) => answer.isValid === false,
        secrets: [request.token],
      })
    },
    async settle(request, signal) {
      return callFacilitator(settings, {
        endpoint: 'settle',
        body: paymentBody(request),
        signal,
        schema: SettleResponseSchema,
        refusal: (answer) => answer.success === false,
        whatever: isSettlementPending,
        secrets: [request.token],
      })
    },
    offerExtra({ scheme, network }) {
      // Of the v2 kinds that cover this network, the narrowest (the first of equals): combineFacilitators' rule.
      const kinds = lastKinds.filter((kind) => kind.x402Version === 2 && kind.scheme === scheme && patternCovers(kind.network, network))
      return kinds.sort((a, b) => patternRank(b.network) - patternRank(a.network))[0]?.extra
    },
    // One list for the whole answer, as the reference's /supported has it.
    supportedExtensions: () => lastExtensions,
    async supported(signal) {
      try {
        return [...(await supportedCache.get(signal))]
      } catch (error) {
        if (signal?.aborted && error === signal.reason) throw abortError(signal, 'supported')
        throw error
      }
    },
  }
}

/**
 * `{ x402Version, paymentPayload, paymentRequirements }`: the decoded proof in its own generation's shape, and
 * the offer in that generation's shape too (v1 facilitators want `maxAmountRequired` and network names).
 */
export function paymentBody(request: VerifyRequest): string {
  const requirements = request.x402Version === 1 ? request.requirementsV1 : request.requirements
  if (requirements === undefined) {
    throw new TollgateError('unsupported_version', 'This offer cannot be paid with x402 v1 (its network has no v1 name); pay with v2 (PAYMENT-SIGNATURE).', {
      expected: 'an x402 v2 payment',
    })
  }
  return JSON.stringify({ x402Version: request.x402Version, paymentPayload: request.proof.payload, paymentRequirements: requirements })
}
