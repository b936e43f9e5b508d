// Turning the first problem of a parsed JSON value into a TollgateError that names the field and what was
// expected, whatever found the problem: the valibot schemas (validate.ts) or the payment proof's own check
// (proof-check.ts, which a server's paid path uses without valibot). Returns the input object itself on success.
import { TollgateError } from '../errors.js'

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: TollgateError }

export interface SchemaProblem {
  /** `accepts[0].network`; empty for the value itself. */
  path: string
  /** What the field must be, in words: `a non-empty string`. */
  expected: string
  /** The value found there; undefined when the field is missing. */
  actual: unknown
}

/** The first problem of a JSON object against what a wire object must be; undefined when it has none. */
export type ProblemOf = (value: object) => SchemaProblem | undefined

/**
 * `value` if it is a JSON object of the expected version that `problemOf` finds nothing wrong with, else the error
 * to report. `label` names the source in messages (`PAYMENT-SIGNATURE`, `402 body`); `header` also goes into details.
 */
export function checkWire<T>(value: unknown, problemOf: ProblemOf, expectedVersion: 1 | 2 | undefined, label: string): T | TollgateError {
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
  const problem = problemOf(value)
  if (problem === undefined) return value as T
  const found = problem.actual === undefined ? 'it is missing' : `got ${describeValue(problem.actual)}`
  const { path, expected } = problem
  return new TollgateError('malformed_payment', `${label}: ${path || 'the value'} must be ${expected}, but ${found}.`, {
    header: label,
    path,
    expected,
  })
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
