// The Nevermined payer: pays a plan offer (`nvm:erc4337`, `nvm:card-delegation`) with an access token that
// Nevermined issues for the buyer's API key. The credits were bought beforehand; the server burns some per call.
import { TollgateError } from '../errors.js'
import type { NvmEnvironment } from '../nevermined/environments.js'
import { requestAccessToken, type AccessTokenRequest, type NvmDelegationConfig } from '../nevermined/token.js'
import type { Offer, Payer } from './types.js'

/** What a token is asked for: the plan offer, and the request it pays. */
export interface NvmTokenRequest {
  planId: string
  agentId: string | undefined
  scheme: 'nvm:erc4337' | 'nvm:card-delegation'
  network: string
  /** The 402's resource URL (single-use tokens are bound to it). */
  resource: string
  /** The offer's `extra.httpVerb`, else the request's method. */
  httpVerb: string
  /** The token version to ask for (3: single-use), when the offer or the payer's options name one. */
  tokenVersion?: number
  signal: AbortSignal
}

export interface NvmPayerOptions {
  /** The buyer's Nevermined API key (`sandbox:<JWT>` or `live:<JWT>`). Not needed with `getToken`. */
  apiKey?: string
  /** Pay only these plans. Default: any plan the server offers (Nevermined issues tokens only for plans you hold). */
  planIds?: string[]
  /**
   * The token version to ask for (3: single-use, bound to the resource and method): a number for every offer, or
   * a function of the offer. Default: the version the seller's offer names in `extra.tokenVersion`, else none (the
   * backend's default). Nevermined may return an older version than asked: `readAccessToken(token).version` tells.
   */
  tokenVersion?: number | ((offer: Offer) => number | undefined)
  /** The delegation that pays, as Nevermined's SDK sends it. */
  delegationConfig?: NvmDelegationConfig
  /** Overrides the API key's environment. */
  environment?: NvmEnvironment
  /** A Nevermined backend of your own. */
  backendUrl?: string
  /** The fetch used to reach Nevermined; default `globalThis.fetch`. */
  fetch?: typeof fetch
  /** Get tokens some other way (a cache, a test double); replaces the call to Nevermined. */
  getToken?: (request: NvmTokenRequest) => Promise<string>
}

const NVM_SCHEMES = new Set(['nvm:erc4337', 'nvm:card-delegation'])

/** Pays Nevermined plan offers (x402 v2) with access tokens for `apiKey` (`requestAccessToken` from `/nevermined`). */
export function nvmPayer(options: NvmPayerOptions): Payer {
  const getToken = options?.getToken ?? tokenFromNevermined(options)
  const planIds = options.planIds?.map(String)
  return {
    name: 'nevermined',
    sealed: true,
    schemes: [...NVM_SCHEMES],
    canPay(offer: Offer) {
      const { scheme, planId } = offer.requirements
      return (
        offer.x402Version === 2 &&
        NVM_SCHEMES.has(scheme) &&
        typeof planId === 'string' &&
        planId !== '' &&
        (planIds === undefined || planIds.includes(planId))
      )
    },
    pay({ offer, request, signal }) {
      const { scheme, network, planId, extra } = offer.requirements
      const agentId = extra?.agentId
      const httpVerb = extra?.httpVerb
      const token: NvmTokenRequest = {
        planId: planId as string,
        agentId: typeof agentId === 'string' && agentId !== '' ? agentId : undefined,
        scheme: scheme as NvmTokenRequest['scheme'],
        network,
        resource: offer.resource.url,
        httpVerb: typeof httpVerb === 'string' && httpVerb !== '' ? httpVerb : request.method,
        signal,
      }
      const version = tokenVersionFor(offer, options.tokenVersion)
      if (version !== undefined) token.tokenVersion = version
      return getToken(token)
    },
  }
}

function tokenFromNevermined(options: NvmPayerOptions | undefined): (request: NvmTokenRequest) => Promise<string> {
  if (typeof options?.apiKey !== 'string' || options.apiKey === '') {
    throw new TollgateError('invalid_options', 'nvmPayer needs apiKey (your Nevermined API key) or getToken.', {
      path: 'nvmPayer.apiKey',
      expected: '"sandbox:<JWT>" or "live:<JWT>"',
    })
  }
  const apiKey = options.apiKey
  return (token) => {
    // requestAccessToken refuses unknown keys, and a key set to undefined counts: add only the ones given.
    const request: AccessTokenRequest = {
      apiKey,
      planId: token.planId,
      scheme: token.scheme,
      network: token.network,
      resource: token.resource,
      httpVerb: token.httpVerb,
      signal: token.signal,
    }
    if (token.agentId !== undefined) request.agentId = token.agentId
    if (token.tokenVersion !== undefined) request.tokenVersion = token.tokenVersion
    if (options.delegationConfig !== undefined) request.delegationConfig = options.delegationConfig
    if (options.environment !== undefined) request.environment = options.environment
    if (options.backendUrl !== undefined) request.backendUrl = options.backendUrl
    if (options.fetch !== undefined) request.fetch = options.fetch
    return requestAccessToken(request)
  }
}

/** The payer's choice, else the version the seller's offer names (`extra.tokenVersion`, a number or "3"). */
function tokenVersionFor(offer: Offer, choice: NvmPayerOptions['tokenVersion']): number | undefined {
  if (typeof choice === 'function') return choice(offer)
  if (choice !== undefined) return choice
  const named = offer.requirements.extra?.tokenVersion
  const version = typeof named === 'string' && /^[1-9]\d*$/.test(named) ? Number(named) : named
  return typeof version === 'number' && Number.isInteger(version) && version > 0 ? version : undefined
}
