// Plan offers that know the facilitator's key: plan() with the network of the key's environment, and planOffer(),
// which reads a plan's scheme and provider from Nevermined once (as its SDK's middleware does) and caches them.
import { TollgateError } from '../errors.js'
import { plan, type PlanOptions, type PlanScheme } from '../requirements/options.js'
import type { PaymentOption } from '../requirements/types.js'
import type { NvmEnvironment } from './environments.js'
import { postJson, type CallHeaders } from './http.js'
import { defaultPlanNetwork } from './key-environment.js'

/** planOffer()'s options: those of plan() but the plan id; `scheme` and `network` given skip the backend. */
export type PlanOfferOptions = Omit<PlanOptions, 'planId'>

export interface PlanOffers {
  /** plan(), with the network of the key's environment when `network` is not given (nvm:erc4337). */
  plan(options: PlanOptions): PaymentOption
  /**
   * The plan's offer with its scheme and network read from Nevermined (`GET api/v1/protocol/plans/{planId}`):
   * card plans (`isCrypto: false`) pay with `nvm:card-delegation` on their provider (`stripe`, `braintree`, `visa`),
   * crypto plans with `nvm:erc4337` on the key's network. Read once per plan id and cached; await it at start-up.
   */
  planOffer(planId: string | bigint, options?: PlanOfferOptions): Promise<PaymentOption>
}

export interface PlanOfferContext extends CallHeaders {
  environment: NvmEnvironment | undefined
  backendUrl: string
  fetch: typeof fetch
  apiKey: string
}

interface PlanKind {
  scheme: PlanScheme
  network: string | undefined
}

const PLAN_PATH = 'api/v1/protocol/plans/'
const DECIMAL_ID = /^(0|[1-9]\d*)$/
const PROVIDER = /^[a-z0-9][a-z0-9_-]{0,63}$/

export function planOffers(context: PlanOfferContext): PlanOffers {
  const kinds = new Map<string, Promise<PlanKind>>()
  const network = defaultPlanNetwork(context.environment)

  function bound(options: PlanOptions): PaymentOption {
    const erc4337 = (options?.scheme ?? 'nvm:erc4337') === 'nvm:erc4337'
    return plan(erc4337 && options?.network === undefined ? { ...options, network } : options)
  }

  function kindOf(planId: string): Promise<PlanKind> {
    let kind = kinds.get(planId)
    if (kind === undefined) {
      kind = readPlan(context, planId)
      kinds.set(planId, kind)
      // A failed read is not remembered: the next start-up (or call) asks again.
      kind.catch(() => kinds.delete(planId))
    }
    return kind
  }

  return {
    plan: bound,
    async planOffer(planId, options = {}) {
      const id = typeof planId === 'bigint' && planId >= 0n ? planId.toString() : planId
      if (typeof id !== 'string' || !DECIMAL_ID.test(id)) {
        // Let plan() say what is wrong with it, before any call.
        return bound({ ...options, planId })
      }
      if (options.scheme !== undefined && options.network !== undefined) return bound({ ...options, planId: id })
      const kind = await kindOf(id)
      const scheme = options.scheme ?? kind.scheme
      const chosen = options.network ?? (scheme === kind.scheme ? kind.network : undefined)
      return bound({ ...options, planId: id, scheme, ...(chosen === undefined ? {} : { network: chosen }) })
    },
  }
}

async function readPlan(context: PlanOfferContext, planId: string): Promise<PlanKind> {
  const step = 'plan'
  const reply = await postJson({
    fetch: context.fetch,
    url: new URL(PLAN_PATH + planId, context.backendUrl).href,
    method: 'GET',
    // A public read, as the SDK's getPlan: the key is not sent.
    apiKey: undefined,
    signal: new AbortController().signal,
    step,
    secrets: [context.apiKey],
    ...(context.apiVersion === undefined ? {} : { apiVersion: context.apiVersion }),
  })
  if (!reply.ok) {
    const said = [reply.error.code, reply.error.message].filter(Boolean).join(': ')
    const known = reply.status >= 400 && reply.status < 500 && reply.status !== 401 && reply.status !== 429
    throw new TollgateError(
      known ? 'invalid_payment_option' : 'facilitator_error',
      `Nevermined ${known ? 'has no plan' : 'could not read plan'} ${planId} (HTTP ${reply.status}${said ? `, ${said}` : ''}).`,
      { step, status: reply.status, path: 'planId', ...(reply.error.code === undefined ? {} : { reason: reply.error.code }) },
    )
  }
  return planKind(reply.json, planId)
}

/** `registry.price.isCrypto: false` is a card plan, its provider in `metadata.plan.fiatPaymentProvider`. */
function planKind(json: unknown, planId: string): PlanKind {
  const body = json as { registry?: { price?: { isCrypto?: unknown } }; metadata?: { plan?: { fiatPaymentProvider?: unknown } } } | null
  const isCrypto = body?.registry?.price?.isCrypto
  if (typeof body !== 'object' || body === null || (isCrypto !== undefined && typeof isCrypto !== 'boolean')) {
    throw new TollgateError('facilitator_bad_response', `Nevermined answered the read of plan ${planId} with something that is not a plan.`, {
      step: 'plan',
      expected: '{ registry: { price: { isCrypto } }, metadata: { plan: { fiatPaymentProvider? } } }',
    })
  }
  if (isCrypto !== false) return { scheme: 'nvm:erc4337', network: undefined }
  const provider = body.metadata?.plan?.fiatPaymentProvider
  const network = typeof provider === 'string' && PROVIDER.test(provider.toLowerCase()) ? provider.toLowerCase() : undefined
  return { scheme: 'nvm:card-delegation', network }
}
