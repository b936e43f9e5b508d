// checkSupport: a start-up check that the facilitator handles every kind of payment the routes accept, so that
// a wrong network fails at deploy time with a clear message instead of as 402s in production.
import type { PaymentRequirements, X402Version } from '../codec/types.js'
import { TollgateError, isTollgateError } from '../errors.js'
import { toV1Network } from '../requirements/networks.js'
import { patternCovers } from './network-pattern.js'
import type { PaymentOption, RouteConfig, RouteSpec, Routes } from '../requirements/types.js'
import type { Facilitator, PaymentKind } from './types.js'

/** The routes of createPaywall, one route's options, or plain requirements. */
export type SupportTarget = Routes | RouteSpec | PaymentRequirements | readonly (PaymentOption | PaymentRequirements)[]

export interface CheckSupportOptions {
  /** Which protocol generations the facilitator must handle. Default `[2]`; add 1 to require v1 kinds too. */
  versions?: readonly X402Version[]
  /** Stops the check. Default: a 10 s deadline. */
  signal?: AbortSignal
}

export interface SupportCheck {
  /** False when the facilitator has no `supported()`, so nothing could be checked. */
  checked: boolean
  /** Every kind the target needs. */
  needed: PaymentKind[]
}

const DEFAULT_TIMEOUT_MS = 10_000

/**
 * Resolves when the facilitator lists every kind (x402Version, scheme, network) the target accepts; throws a
 * TollgateError `unsupported_payment_kind` naming each missing kind and where it is used. Errors of the
 * facilitator itself (down, slow, garbage) are thrown as they are.
 */
export async function checkSupport(facilitator: Facilitator, target: SupportTarget, options: CheckSupportOptions = {}): Promise<SupportCheck> {
  const versions = options.versions ?? [2]
  const needs = neededKinds(target, versions)
  const needed = needs.map((need) => need.kind)
  if (typeof facilitator.supported !== 'function') return { checked: false, needed }
  const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS)
  let kinds: PaymentKind[]
  try {
    kinds = await facilitator.supported(signal)
  } catch (error) {
    if (isTollgateError(error)) throw error
    const code = signal.aborted ? 'facilitator_timeout' : 'facilitator_error'
    throw new TollgateError(code, `checkSupport: the facilitator could not list what it supports.`, { step: 'supported', error: String(error) }, { cause: error })
  }
  const missing = needs.filter((need) => !kinds.some((kind) => covers(kind, need.kind)))
  if (missing.length > 0) {
    const name = facilitator.name ?? 'The facilitator'
    const lines = missing.map((need) => `${describeKind(need.kind)}, accepted by ${need.where}`)
    const offered = kinds.length ? kinds.map(describeKind).join('; ') : 'nothing'
    throw new TollgateError(
      'unsupported_payment_kind',
      `${name} does not support ${lines.join('; ')}. It supports: ${offered}.`,
      { missing: missing.map((need) => ({ ...need.kind, where: need.where })), supported: kinds, expected: 'a facilitator that lists these kinds at /supported' },
    )
  }
  return { checked: true, needed }
}

interface Need {
  kind: PaymentKind
  /** Where the kind is used, for the message: `routes["GET /weather"]`. */
  where: string
}

function neededKinds(target: SupportTarget, versions: readonly X402Version[]): Need[] {
  const needs: Need[] = []
  for (const { requirements, where } of collect(target)) {
    for (const version of versions) {
      const network = version === 1 ? toV1Network(requirements.network) : requirements.network
      if (network === undefined) continue // this offer has no v1 form: v1 clients are never offered it
      const kind = { x402Version: version, scheme: requirements.scheme, network }
      if (!needs.some((need) => sameKind(need.kind, kind))) needs.push({ kind, where })
    }
  }
  return needs
}

function collect(target: SupportTarget): { requirements: PaymentRequirements; where: string }[] {
  if (isRequirements(target) || isOption(target) || isRouteConfig(target) || Array.isArray(target)) return fromSpec(target, 'the given options')
  if (typeof target !== 'object' || target === null) {
    throw new TollgateError('invalid_options', 'checkSupport: expected routes, payment options or payment requirements.', {
      path: 'target',
      expected: "createPaywall's routes, exact()/plan() options, or PaymentRequirements",
    })
  }
  return Object.entries(target as Routes).flatMap(([key, spec]) => fromSpec(spec, `routes["${key}"]`))
}

function fromSpec(spec: unknown, where: string): { requirements: PaymentRequirements; where: string }[] {
  const items = isRouteConfig(spec) ? spec.accepts : spec
  const list: readonly unknown[] = Array.isArray(items) ? items : [items]
  return list.map((item, i) => {
    const at = list.length > 1 ? `${where}[${i}]` : where
    if (isOption(item)) return { requirements: item.requirements, where: at }
    if (isRequirements(item)) return { requirements: item, where: at }
    throw new TollgateError('invalid_options', `checkSupport: ${at} is not a payment option.`, {
      path: at,
      expected: 'exact()/plan() options or PaymentRequirements ({ scheme, network })',
    })
  })
}

function isOption(value: unknown): value is PaymentOption {
  return typeof value === 'object' && value !== null && 'requirements' in value && isRequirements((value as PaymentOption).requirements)
}

function isRequirements(value: unknown): value is PaymentRequirements {
  const candidate = value as Partial<PaymentRequirements> | null
  return typeof candidate === 'object' && candidate !== null && typeof candidate.scheme === 'string' && typeof candidate.network === 'string'
}

function isRouteConfig(value: unknown): value is RouteConfig {
  return typeof value === 'object' && value !== null && 'accepts' in value
}

/** Whether a listed kind covers a needed one. A listed network may end in `*` (`eip155:*`): the routes' rule. */
function covers(listed: PaymentKind, needed: PaymentKind): boolean {
  if (listed.x402Version !== needed.x402Version || listed.scheme !== needed.scheme) return false
  return patternCovers(listed.network, needed.network)
}

function sameKind(a: PaymentKind, b: PaymentKind): boolean {
  return a.x402Version === b.x402Version && a.scheme === b.scheme && a.network === b.network
}

function describeKind(kind: PaymentKind): string {
  return `${kind.scheme} on ${kind.network} (x402 v${kind.x402Version})`
}
