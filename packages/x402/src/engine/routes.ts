// Compiles the routes map into matchers: 'METHOD /path' with `:param` and `*`; first match wins.
import { TollgateError } from '../errors.js'
import type { PaymentOption, RouteConfig, RouteSpec } from '../requirements/types.js'
import { checkExtensions, type ExtensionSteps } from './extensions.js'
import { POLICIES, ROUTE_POLICIES, check } from './options.js'
import { normalizePath, pathForms } from './paths.js'

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

export interface CompiledRoute {
  /** The key as the user wrote it, for events and errors. */
  key: string
  /** Upper-case method, or undefined for any method. */
  method: string | undefined
  /** The path as the key writes it (`/weather/:city`), for extensions' declarations. */
  path: string
  pattern: RegExp
  options: readonly PaymentOption[]
  config: Omit<RouteConfig, 'accepts'>
  /** The steps the route's extensions bring for `challenge`, `admit` and `settled` (extensions/steps.ts), if any. */
  steps: ExtensionSteps | undefined
}

export function compileRoutes(routes: Record<string, RouteSpec>): CompiledRoute[] {
  return Object.entries(routes).map(([key, spec]) => compileRoute(key, spec))
}

function compileRoute(key: string, spec: RouteSpec): CompiledRoute {
  const { method, path } = parseRouteKey(key)
  const { accepts, ...config } = toRouteConfig(key, spec)
  const options = Array.isArray(accepts) ? accepts : [accepts as PaymentOption]
  if (options.length === 0) {
    throw new TollgateError('invalid_options', `createPaywall: routes["${key}"].accepts is empty; a paid route needs at least one payment option.`, {
      path: `routes["${key}"].accepts`,
      expected: 'at least one payment option, e.g. exact({ price, network, payTo })',
    })
  }
  options.forEach((option, i) => assertPaymentOption(option, `routes["${key}"].accepts[${i}]`))
  for (const name of ROUTE_POLICIES) if (config[name] !== undefined) check(`routes["${key}"].${name}`, config[name], POLICIES[name])
  // The steps its extensions bring (challenge, admit, settled), found once.
  const steps = config.extensions === undefined ? undefined : checkExtensions(key, config.extensions)
  return { key, method, path, pattern: compilePattern(path), options, config, steps }
}

export function parseRouteKey(key: string): { method: string | undefined; path: string } {
  const trimmed = key.trim()
  const space = trimmed.indexOf(' ')
  const method = space === -1 ? undefined : trimmed.slice(0, space).toUpperCase()
  const path = space === -1 ? trimmed : trimmed.slice(space + 1).trim()
  if (method !== undefined && !METHODS.has(method)) {
    throw new TollgateError('invalid_options', `createPaywall: routes["${key}"] has an unknown method "${method}".`, {
      path: `routes["${key}"]`,
      expected: `one of ${[...METHODS].join(', ')}, or a bare path for any method`,
    })
  }
  if (!path.startsWith('/')) {
    throw new TollgateError('invalid_options', `createPaywall: routes["${key}"] must have a path starting with "/".`, {
      path: `routes["${key}"]`,
      expected: "'METHOD /path' or '/path'",
    })
  }
  return { method, path }
}

function compilePattern(path: string): RegExp {
  const segments = normalizePath(path).split('/').slice(1)
  let source = ''
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1
    if (segment === '*' && last) source += '(?:/.*)?'
    else if (segment === '*') source += '/[^/]+'
    else if (segment.startsWith(':')) source += '/[^/]+'
    else if (segment !== '') source += '/' + segment.split('*').map(escapeRegExp).join('[^/]*')
  })
  return new RegExp(`^${source || '/'}$`)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function toRouteConfig(key: string, spec: RouteSpec): RouteConfig {
  if (spec && typeof spec === 'object' && 'accepts' in spec) return spec as RouteConfig
  if (spec && typeof spec === 'object') return { accepts: spec as PaymentOption | PaymentOption[] }
  throw new TollgateError('invalid_options', `createPaywall: routes["${key}"] must be a payment option, a list of them, or { accepts }.`, {
    path: `routes["${key}"]`,
    expected: 'exact(...), plan(...), [...], or { accepts: ... }',
  })
}

function assertPaymentOption(option: unknown, path: string): asserts option is PaymentOption {
  const candidate = option as Partial<PaymentOption> | undefined
  const ok =
    !!candidate &&
    typeof candidate === 'object' &&
    !!candidate.requirements &&
    typeof candidate.requirements.scheme === 'string' &&
    typeof candidate.requirements.network === 'string' &&
    (typeof candidate.amount === 'string' || typeof candidate.amount === 'function')
  if (!ok) {
    throw new TollgateError('invalid_options', `createPaywall: ${path} is not a payment option.`, {
      path,
      expected: 'a payment option built by exact({ ... }) or plan({ ... })',
    })
  }
}

/** The first route that matches the method and any form of the path. HEAD matches GET routes. */
export function matchRoute(routes: readonly CompiledRoute[], method: string, pathname: string): CompiledRoute | undefined {
  const forms = pathForms(pathname)
  for (const route of routes) {
    if (route.method !== undefined && route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue
    for (const form of forms) if (route.pattern.test(form)) return route
  }
  return undefined
}
