// nevermined({ apiKey }): a Facilitator that speaks Nevermined's x402 API (POST api/v1/x402/verify and /settle)
// directly with fetch, so a server needs neither the payments SDK nor Node.
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
  type Step,
} from './answers.js'
import { apiKeyPrefix, resolveBackend, type NvmEnvironment } from './environments.js'
import { planOffers, type PlanOffers } from './plan-offer.js'
import { isNetworkFailure, postJson, type BackendReply, type CallHeaders } from './http.js'
import { checkKeys, optionalApiVersion, optionalOrgId, optionalTimeout, resolveFetch, settleChoice, settleFields, type NvmSettleChoice } from './options.js'

export interface NeverminedOptions {
  /** Your Nevermined API key, `<environment>:<JWT>` (e.g. `sandbox:eyJ...`); its prefix picks the backend. */
  apiKey: string
  /** Overrides the key's environment; must agree with it. `custom` uses `backendUrl` or `NVM_BACKEND_URL`. */
  environment?: NvmEnvironment
  /** A backend of your own (wins over the environment), e.g. `http://localhost:3001/`. */
  backendUrl?: string
  /** The fetch to use; default `globalThis.fetch`. */
  fetch?: typeof fetch
  /**
   * A deadline of this facilitator's own for one verify call, in ms (answers `facilitator_timeout`).
   * Default none: behind createPaywall the engine's `verifyTimeoutMs` already applies.
   */
  verifyTimeoutMs?: number
  /** The same for one settle call. */
  settleTimeoutMs?: number
  /**
   * `batch` and `marginPercent` for settle, passed through verbatim: fixed, or a function of the settle request
   * (its `paymentRequired.resource.url`, `requirements.planId`, `amount`) to choose them per route.
   */
  settle?: NvmSettleChoice
  /** The organisation the key acts for, sent as `X-Current-Org-Id` (for keys that belong to several). */
  orgId?: string
  /** The backend API version to pin, sent as `Nevermined-Version`; default {@link NEVERMINED_API_VERSION}. */
  apiVersion?: string
}

const OPTION_KEYS = ['apiKey', 'environment', 'backendUrl', 'fetch', 'verifyTimeoutMs', 'settleTimeoutMs', 'settle', 'orgId', 'apiVersion']
const VERIFY_PATH = 'api/v1/x402/verify'
const SETTLE_PATH = 'api/v1/x402/settle'

/** The facilitator, with plan offers that know its key (`nvm.plan()`, `await nvm.planOffer(planId)`). */
export interface NeverminedFacilitator extends Facilitator, PlanOffers {
  readonly name: 'nevermined'
  /** The environment of the key (or `environment`); undefined for a key of no known environment. */
  readonly environment: NvmEnvironment | undefined
}

/** A Facilitator over Nevermined's API, for `plan()` payment options. */
export function nevermined(options: NeverminedOptions): NeverminedFacilitator {
  const who = 'nevermined()'
  checkKeys(options, OPTION_KEYS, who, '{ apiKey }')
  apiKeyPrefix(options.apiKey, who) // required here, even with a backendUrl
  const backend = resolveBackend(options, who)
  const fetchImpl = resolveFetch(options.fetch, who)
  const verifyTimeoutMs = optionalTimeout(options.verifyTimeoutMs, 'verifyTimeoutMs', who)
  const settleTimeoutMs = optionalTimeout(options.settleTimeoutMs, 'settleTimeoutMs', who)
  const settleOptions = settleChoice(options.settle, who)
  const headers: CallHeaders = {}
  const orgId = optionalOrgId(options.orgId, who)
  const apiVersion = optionalApiVersion(options.apiVersion, who)
  if (orgId !== undefined) headers.orgId = orgId
  if (apiVersion !== undefined) headers.apiVersion = apiVersion
  const { apiKey } = options
  const verifyUrl = new URL(VERIFY_PATH, backend.url).href
  const settleUrl = new URL(SETTLE_PATH, backend.url).href

  function call(step: Step, url: string, body: unknown, token: string, signal: AbortSignal, timeoutMs: number | undefined): Promise<BackendReply> {
    const timeout = timeoutMs === undefined ? {} : { timeoutMs }
    return postJson({ fetch: fetchImpl, url, apiKey, body, signal, step, secrets: [apiKey, token], ...headers, ...timeout })
  }

  return {
    name: 'nevermined',
    environment: backend.environment,
    ...planOffers({ environment: backend.environment, backendUrl: backend.url, fetch: fetchImpl, apiKey, ...headers }),
    // Verify opens an agent request (agentRequestId) that one settle redeems: never share one between requests.
    perRequestVerification: true,
    offerExtra: planOfferExtra,

    async verify(request: VerifyRequest, signal: AbortSignal): Promise<VerifyResult> {
      const body = { paymentRequired: wirePaymentRequired(request), x402AccessToken: request.token, maxAmount: request.amount }
      let reply: BackendReply
      try {
        reply = await call('verify', verifyUrl, body, request.token, signal, verifyTimeoutMs)
      } catch (error) {
        // One retry, for verify only and only when no answer came back (so never on an answered
        // BCK.X402.0059): verify burns nothing. Settle is never retried.
        if (!isNetworkFailure(error) || signal.aborted) throw error
        reply = await call('verify', verifyUrl, body, request.token, signal, verifyTimeoutMs)
      }
      if (reply.ok) return toVerifyResult(reply.json)
      const failure = classifyStatus('verify', reply.status, reply.error.code, reply.error.message, reply.error.hint)
      if (failure.kind === 'error') throw failure.error
      return refusedVerify(failure)
    },

    async settle(request: SettleRequest, signal: AbortSignal): Promise<SettleResult> {
      const body: Record<string, unknown> = {
        paymentRequired: wirePaymentRequired(request),
        x402AccessToken: request.token,
        maxAmount: request.amount,
      }
      const agentRequestId = agentRequestIdOf(request)
      if (agentRequestId !== undefined) body.agentRequestId = agentRequestId
      const chosen = settleFields(settleOptions, request, who)
      if (chosen !== undefined) Object.assign(body, chosen)
      // No retry here: a settle that went through but whose answer was lost must not burn twice, and a
      // spent token (BCK.X402.0059) fails the same way forever.
      const reply = await call('settle', settleUrl, body, request.token, signal, settleTimeoutMs)
      if (reply.ok) return toSettleResult(reply.json, request)
      const failure = classifyStatus('settle', reply.status, reply.error.code, reply.error.message, reply.error.hint)
      if (failure.kind === 'error') throw failure.error
      return refusedSettle(failure, request)
    },
  }
}
