// Check a parsed JSON value against a wire schema and turn the first problem into a TollgateError that names
// the field and what was expected. Returns the input object itself on success: zod's output is a copy with
// the keys in schema order, and re-encoding a proof must give back the bytes the client sent.
import type * as z from 'zod/mini'
import { TollgateError } from '../errors.js'
import { EXPECTED } from './schemas.js'

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: TollgateError }

type Issue = z.core.$ZodIssue
type PathSegment = PropertyKey

/**
 * `value` if it is a JSON object of the expected version that `schema` accepts, else the error to report.
 * `label` names the source in messages (`PAYMENT-SIGNATURE`, `402 body`); `header` also goes into details.
 */
export function validateWire<T>(
  value: unknown,
  schema: z.ZodMiniType,
  expectedVersion: 1 | 2 | undefined,
  label: string,
): T | TollgateError {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new TollgateError('malformed_payment', `${label}: expected a JSON object, got ${describeValue(value)}.`, {
      header: label,
      expected: 'a JSON object',
    })
  }
  if (expectedVersion !== undefined) {
    const found = (value as { x402Version?: unknown }).x402Version
    if (found !== undefined && found !== expectedVersion) {
      return new TollgateError(
        'unsupported_version',
        `${label} carries x402 version ${expectedVersion}, but the payment says x402Version ${describeValue(found)}.`,
        { header: label, path: 'x402Version', expected: String(expectedVersion), found: typeof found === 'number' ? found : describeValue(found) },
      )
    }
  }
  const result = schema.safeParse(value)
  if (result.success) return value as T
  return schemaError(result.error.issues[0], value, label)
}

function schemaError(issue: Issue | undefined, input: unknown, label: string): TollgateError {
  if (issue === undefined) {
    return new TollgateError('malformed_payment', `${label}: the value does not match the x402 schema.`, { header: label })
  }
  const path = formatPath(issue.path)
  const expected = describeExpected(issue)
  const actual = valueAt(input, issue.path)
  const found = actual === undefined ? 'it is missing' : `got ${describeValue(actual)}`
  return new TollgateError('malformed_payment', `${label}: ${path || 'the value'} must be ${expected}, but ${found}.`, {
    header: label,
    path,
    expected,
  })
}

/** `accepts[0].extra.name`: dotted keys, bracketed indexes, quoted keys that are not identifiers. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`
    else out += `[${JSON.stringify(String(segment))}]`
  }
  return out
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  record: 'an object',
  array: 'an array',
}

const OUR_WORDING: ReadonlySet<string> = new Set(Object.values(EXPECTED))

function describeExpected(issue: Issue): string {
  if (OUR_WORDING.has(issue.message)) return issue.message
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_NAMES[issue.expected] ?? issue.expected
    case 'too_small': {
      const minimum = Number(issue.minimum)
      if (issue.origin === 'string') return minimum === 1 ? 'a non-empty string' : `a string of at least ${minimum} characters`
      if (issue.origin === 'array') return minimum === 1 ? 'a non-empty array' : `an array of at least ${minimum} entries`
      if (minimum === 0 && !issue.inclusive) return 'a positive number'
      return `a number ${issue.inclusive ? '>=' : '>'} ${minimum}`
    }
    case 'invalid_value':
      return issue.values.map((v) => JSON.stringify(v)).join(' or ')
    case 'invalid_format':
      return issue.pattern ? `a string matching ${issue.pattern}` : `a string in ${issue.format} format`
    default:
      return issue.message
  }
}

function valueAt(input: unknown, path: readonly PathSegment[]): unknown {
  let current = input
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<PropertyKey, unknown>)[segment]
  }
  return current
}

/** A short, safe description of a value for messages: short primitives verbatim, else their kind. */
function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      return value.length <= 40 ? JSON.stringify(value) : `a string of ${value.length} characters`
    case 'number':
    case 'boolean':
      return String(value)
    case 'object':
      return 'an object'
    default:
      return typeof value
  }
}
