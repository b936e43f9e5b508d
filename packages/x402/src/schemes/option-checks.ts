// Checks the payment option factories of every scheme share: known keys only, addresses, plain objects, positive
// integers; all fail with `invalid_payment_option` and the path of the field, at start-up.
import { TollgateError } from '../errors.js'
import { toCaip2 } from '../requirements/networks.js'

const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/** An EVM scheme's network as CAIP-2: `eip155:<id>` or a known EVM name; another chain's name is refused here. */
export function evmNetwork(factory: string, value: string): string {
  const network = toCaip2(value, 'network')
  if (network.startsWith('eip155:')) return network
  throw invalidOption('network', `${factory}() pays on EVM chains (eip155:<chain id>), got ${show(value)}`, 'eip155:<chain id> or an EVM network name')
}

export function checkAddress(value: unknown, path: string): string {
  if (typeof value !== 'string' || !ADDRESS.test(value)) {
    throw invalidOption(path, `${path} must be an address (0x and 40 hex digits), got ${show(value)}`, '0x and 40 hex digits')
  }
  return value
}

export function plainObject(value: unknown, path: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption(path, `${path} must be an object, got ${show(value)}`, 'an object')
  }
  return value as Record<string, unknown>
}

export function positiveInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalidOption(path, `${path} must be a positive integer, got ${show(value)}`, 'a positive integer')
  }
  return value
}

/** Refuse unknown keys: a misspelt `maxTimeoutSecond` would otherwise be ignored without a word. */
export function checkKeys(factory: string, options: unknown, allowed: readonly string[], path?: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption(path ?? '', `${factory}() needs an options object${path ? ` at ${path}` : ''}, got ${show(options)}`, 'an object')
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const at = path ? `${path}.${key}` : key
      throw invalidOption(at, `${factory}(): unknown option ${JSON.stringify(at)}; expected one of ${allowed.join(', ')}`, allowed.join(' | '))
    }
  }
}

export function invalidOption(path: string, message: string, expected: string): TollgateError {
  return new TollgateError('invalid_payment_option', `Invalid payment option: ${message}.`, { path, expected })
}

export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (value === null || Array.isArray(value)) return value === null ? 'null' : 'an array'
  return typeof value === 'object' ? 'an object' : String(value)
}
