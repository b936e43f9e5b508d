// The buyer's side: ask Nevermined for an x402 access token (POST api/v1/x402/permissions). access-token.ts reads one.
// The token is what a client sends in PAYMENT-SIGNATURE; a server passes it to verify and settle verbatim.
import type { ResourceInfo } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import type { PlanScheme } from '../requirements/options.js'
import { toCaip2 } from '../requirements/networks.js'
import { classifyStatus } from './answers.js'
import { apiKeyPrefix, defaultPlanNetwork, resolveBackend, type NvmEnvironment } from './environments.js'
import { resolveFetch } from './options.js'
import { postJson } from './http.js'

/** How the buyer pays: an existing delegation (`delegationId`), as Nevermined's SDK 1.x sends it. */
export interface NvmDelegationConfig {
  delegationId?: string
  [key: string]: unknown
}

export interface AccessTokenRequest {
  /** The buyer's (subscriber's) Nevermined API key, `<environment>:<JWT>`. */
  apiKey: string
  /** The plan to pay with, a decimal string (or bigint). */
  planId: string | bigint
  /** The agent the plan pays for, as in the offer's `extra.agentId`. */
  agentId?: string | bigint
  /** The offer's scheme; default `nvm:erc4337`. */
  scheme?: PlanScheme
  /**
   * The offer's network. Default: for `nvm:erc4337` Base (`eip155:8453`) in live environments, else Base Sepolia
   * (`eip155:84532`); for `nvm:card-delegation` `stripe`.
   */
  network?: string
  /**
   * The resource the token is for (the 402's `resource.url`). Binds single-use (v3) tokens to that URL; the
   * server must advertise exactly the same one.
   */
  resource?: string | ResourceInfo
  /** The HTTP method the token is bound to (the offer's `extra.httpVerb`). */
  httpVerb?: string
  /** Ask for a token of this version (3: single-use, bound to `resource` and `httpVerb`). A request, not a promise. */
  tokenVersion?: number
  /** The delegation that pays. Nevermined's SDK requires one; the backend decides. */
  delegationConfig?: NvmDelegationConfig
  /** Overrides the key's environment; must agree with it. */
  environment?: NvmEnvironment
  /** A backend of your own (wins over the environment). */
  backendUrl?: string
  /** The fetch to use; default `globalThis.fetch`. */
  fetch?: typeof fetch
  /** Stops the call. */
  signal?: AbortSignal
}

const REQUEST_KEYS = [
  'apiKey',
  'planId',
  'agentId',
  'scheme',
  'network',
  'resource',
  'httpVerb',
  'tokenVersion',
  'delegationConfig',
  'environment',
  'backendUrl',
  'fetch',
  'signal',
]
const PERMISSIONS_PATH = 'api/v1/x402/permissions'
const DECIMAL_ID = /^(0|[1-9]\d*)$/
const HTTP_METHOD = /^[A-Za-z]+$/

/**
 * Asks Nevermined for an x402 access token for a plan and returns it (base64url JSON of a PaymentPayload),
 * ready for the `PAYMENT-SIGNATURE` header. Rejects with a TollgateError: `invalid_options` for bad input,
 * `facilitator_error` when Nevermined refuses or fails (`details.status`, and `details.reason` = its code),
 * `facilitator_bad_response` when the answer has no `accessToken`.
 */
export async function requestAccessToken(request: AccessTokenRequest): Promise<string> {
  const who = 'requestAccessToken()'
  checkKeys(request, who)
  apiKeyPrefix(request.apiKey, who) // required here, even with a backendUrl
  const backend = resolveBackend(request, who)
  const fetchImpl = resolveFetch(request.fetch, who)
  const body = permissionsBody(request, backend.environment, who)
  const signal = request.signal ?? new AbortController().signal
  const step = 'access token'
  const reply = await postJson({
    fetch: fetchImpl,
    url: new URL(PERMISSIONS_PATH, backend.url).href,
    apiKey: request.apiKey,
    body,
    signal,
    step,
    secrets: [request.apiKey],
  })
  if (!reply.ok) {
    const failure = classifyStatus(step, reply.status, reply.error.code, reply.error.message, reply.error.hint)
    if (failure.kind === 'error') throw failure.error
    // A refusal is still an error for the buyer: there is no token to send.
    const said = failure.message === undefined ? '' : `: ${failure.message}`
    throw new TollgateError('facilitator_error', `Nevermined refused the access token with HTTP ${reply.status} (${failure.reason})${said}`, {
      step,
      status: reply.status,
      reason: failure.reason,
      ...(reply.error.hint === undefined ? {} : { hint: reply.error.hint }),
    })
  }
  const token = (reply.json as { accessToken?: unknown } | null)?.accessToken
  if (typeof token !== 'string' || token === '') {
    throw new TollgateError('facilitator_bad_response', 'Nevermined answered the access token request without an accessToken.', {
      step,
      expected: '{ accessToken: string }',
    })
  }
  return token
}

/** `{ accepted: { scheme, network, planId, extra }, resource?, tokenVersion?, delegationConfig? }` */
function permissionsBody(request: AccessTokenRequest, environment: NvmEnvironment | undefined, who: string): Record<string, unknown> {
  const planId = idText(request.planId, 'planId', who, true)
  const scheme = request.scheme ?? 'nvm:erc4337'
  if (scheme !== 'nvm:erc4337' && scheme !== 'nvm:card-delegation') {
    throw invalid(who, 'scheme', `scheme must be "nvm:erc4337" or "nvm:card-delegation", got ${JSON.stringify(scheme)}`, 'nvm:erc4337 | nvm:card-delegation')
  }
  let network: string
  if (request.network === undefined) network = scheme === 'nvm:card-delegation' ? 'stripe' : defaultPlanNetwork(environment)
  else if (scheme === 'nvm:erc4337') network = toCaip2(request.network, 'network')
  else if (typeof request.network === 'string' && request.network !== '') network = request.network
  else throw invalid(who, 'network', 'network must be a card provider name such as "stripe"', 'a provider name')

  const extra: Record<string, unknown> = {}
  if (request.agentId !== undefined && request.agentId !== '') extra.agentId = idText(request.agentId, 'agentId', who, false)
  if (request.httpVerb !== undefined && request.httpVerb !== '') {
    if (typeof request.httpVerb !== 'string' || !HTTP_METHOD.test(request.httpVerb)) {
      throw invalid(who, 'httpVerb', 'httpVerb must be an HTTP method such as "POST"', 'an HTTP method')
    }
    extra.httpVerb = request.httpVerb.toUpperCase()
  }
  const body: Record<string, unknown> = { accepted: { scheme, network, planId, extra } }
  if (request.resource !== undefined) body.resource = resourceOf(request.resource, who)
  if (request.tokenVersion !== undefined) {
    if (!Number.isInteger(request.tokenVersion) || request.tokenVersion < 1) {
      throw invalid(who, 'tokenVersion', 'tokenVersion must be a positive integer such as 3', 'a positive integer')
    }
    body.tokenVersion = request.tokenVersion
  }
  if (request.delegationConfig !== undefined) {
    const config = request.delegationConfig
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw invalid(who, 'delegationConfig', 'delegationConfig must be an object such as { delegationId }', '{ delegationId }')
    }
    if (config.delegationId !== undefined && (typeof config.delegationId !== 'string' || config.delegationId.trim() === '')) {
      throw invalid(who, 'delegationConfig.delegationId', 'delegationConfig.delegationId must be a non-empty string', 'a delegation id')
    }
    body.delegationConfig = { ...config }
  }
  return body
}

function resourceOf(resource: string | ResourceInfo, who: string): ResourceInfo {
  const info: ResourceInfo = typeof resource === 'string' ? { url: resource } : { ...resource }
  // A blank URL would be signed as "" and then disagree with the seller's at settle.
  if (typeof info.url !== 'string' || info.url.trim() === '') {
    throw invalid(who, 'resource', 'resource must be the URL of the paid resource (the 402\'s resource.url), not empty', 'a URL')
  }
  return info
}

function idText(value: unknown, path: string, who: string, decimal: boolean): string {
  const text = typeof value === 'bigint' && value >= 0n ? value.toString() : value
  const ok = typeof text === 'string' && (decimal ? DECIMAL_ID.test(text) : text !== '' && text.trim() === text)
  if (!ok) {
    throw invalid(who, path, `${path} must be ${decimal ? 'a decimal string such as "1234567890123456789"' : 'a non-empty string'} (or a bigint)`, decimal ? 'a decimal string' : 'a string')
  }
  return text
}

function checkKeys(request: unknown, who: string): void {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new TollgateError('invalid_options', `${who} needs an options object: { apiKey, planId }.`, { path: '', expected: '{ apiKey, planId, ... }' })
  }
  for (const key of Object.keys(request)) {
    if (!REQUEST_KEYS.includes(key)) {
      throw invalid(who, key, `unknown option ${JSON.stringify(key)}; expected one of ${REQUEST_KEYS.join(', ')}`, REQUEST_KEYS.join(' | '))
    }
  }
}

function invalid(who: string, path: string, message: string, expected: string): TollgateError {
  return new TollgateError('invalid_options', `${who}: ${message}.`, { path, expected })
}
