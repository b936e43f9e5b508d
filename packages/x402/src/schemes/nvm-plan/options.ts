// plan(): the Nevermined plan payment option (crypto plans on `nvm:erc4337`, fiat plans on `nvm:card-delegation`).
// Validates everything when called, so a bad route fails at start-up with the field it is about.
import type { PaymentRequirements } from '../../codec/types.js'
import { parseAtomic } from '../../requirements/money.js'
import { planNetworkFromEnv } from '../../nevermined/key-environment.js'
import { toCaip2 } from '../../requirements/networks.js'
import type { AmountFunction, AmountValue, PaymentOption } from '../../requirements/types.js'
import { checkKeys, invalidOption, show } from '../option-checks.js'
import { nvmPlan } from './scheme.js'

export type PlanScheme = 'nvm:erc4337' | 'nvm:card-delegation'

export interface PlanOptions {
  /** The Nevermined plan id, a decimal string (or bigint). */
  planId: string | bigint
  /** The agent the plan pays for. */
  agentId?: string | bigint
  /** Credits to burn per request (positive integer), or a function of the request; default 1. */
  credits?: AmountValue | AmountFunction
  /** `nvm:erc4337` (crypto plans, default) or `nvm:card-delegation` (fiat plans). */
  scheme?: PlanScheme
  /**
   * For `nvm:erc4337`: CAIP-2 or a known name; default from NVM_ENVIRONMENT, else NVM_API_KEY's prefix (`live`,
   * `staging_live` -> eip155:8453, else eip155:84532); `nevermined({ apiKey }).plan()` takes the key's environment.
   * For `nvm:card-delegation`: the card provider's name; default `stripe`.
   */
  network?: string
  /** The HTTP method the token is bound to (upper-cased). */
  httpVerb?: string
}

const DECIMAL_ID = /^(0|[1-9]\d*)$/
const HTTP_METHOD = /^[A-Za-z]+$/
const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/
const PLAN_SCHEMES: readonly string[] = ['nvm:erc4337', 'nvm:card-delegation']
const PLAN_KEYS = ['planId', 'agentId', 'credits', 'scheme', 'network', 'httpVerb']

/** Burn `credits` of a Nevermined plan per request; the facilitator checks the payer holds them. */
export function plan(options: PlanOptions): PaymentOption {
  checkKeys('plan', options, PLAN_KEYS)
  const planId = decimalId(options.planId, 'planId')
  const scheme = options.scheme ?? 'nvm:erc4337'
  if (!PLAN_SCHEMES.includes(scheme)) {
    throw invalidOption('scheme', `scheme must be one of ${PLAN_SCHEMES.join(', ')}, got ${JSON.stringify(scheme)}`, PLAN_SCHEMES.join(' | '))
  }
  const network = scheme === 'nvm:card-delegation' ? providerNetwork(options.network) : planNetwork(options.network)
  const credits = resolveCredits(options.credits)

  const extra: Record<string, unknown> = { version: '1' }
  if (options.agentId !== undefined && options.agentId !== '') extra.agentId = identifier(options.agentId, 'agentId')
  if (options.httpVerb !== undefined && options.httpVerb !== '') extra.httpVerb = httpVerb(options.httpVerb)
  const requirements: PaymentRequirements = { scheme, network, planId, extra: Object.freeze(extra) }
  return Object.freeze({ requirements: Object.freeze(requirements), amount: credits, amountOnWire: false, singleUse: false, scheme: nvmPlan })
}

function planNetwork(network: string | undefined): string {
  if (network !== undefined) return toCaip2(network, 'network')
  return planNetworkFromEnv()
}

function providerNetwork(network: string | undefined): string {
  if (network === undefined) return 'stripe'
  if (typeof network !== 'string' || !PROVIDER_NAME.test(network)) {
    throw invalidOption('network', `network for nvm:card-delegation must be a card provider name such as "stripe", got ${show(network)}`, 'a provider name')
  }
  return network
}

function resolveCredits(credits: AmountValue | AmountFunction | undefined): string | AmountFunction {
  if (credits === undefined) return '1'
  return typeof credits === 'function' ? credits : parseAtomic(credits, 'credits').toString()
}

function decimalId(value: unknown, path: string): string {
  const text = typeof value === 'bigint' && value >= 0n ? value.toString() : value
  if (typeof text !== 'string' || !DECIMAL_ID.test(text)) {
    throw invalidOption(path, `${path} must be a decimal string such as "1234567890123456789" (or a bigint), got ${show(value)}`, 'a decimal string')
  }
  return text
}

function identifier(value: unknown, path: string): string {
  const text = typeof value === 'bigint' && value >= 0n ? value.toString() : value
  if (typeof text !== 'string' || text.trim() !== text || text === '') {
    throw invalidOption(path, `${path} must be a non-empty string without surrounding spaces (or a bigint), got ${show(value)}`, 'a string')
  }
  return text
}

function httpVerb(value: unknown): string {
  if (typeof value !== 'string' || !HTTP_METHOD.test(value)) {
    throw invalidOption('httpVerb', `httpVerb must be an HTTP method such as "POST", got ${show(value)}`, 'an HTTP method')
  }
  return value.toUpperCase()
}
