// Check a parsed JSON value against a valibot wire schema; checkWire (wire-check.ts) turns the first problem into a
// TollgateError that names the field and what was expected. Returns the input object itself on success: the
// schema's output is a copy, and re-encoding a proof must give back the bytes the client sent.
import * as v from 'valibot'
import type { TollgateError } from '../errors.js'
import type { WireSchema } from './schemas.js'
import { checkWire, type SchemaProblem } from './wire-check.js'

export type { Decoded, SchemaProblem } from './wire-check.js'

type Issue = v.BaseIssue<unknown>
type PathSegment = PropertyKey

/** `value` if it is a JSON object of the expected version that `schema` accepts, else the error to report (checkWire). */
export function validateWire<T>(value: unknown, schema: WireSchema, expectedVersion: 1 | 2 | undefined, label: string): T | TollgateError {
  return checkWire<T>(value, (object) => firstProblem(schema, object), expectedVersion, label)
}

const NO_DEFAULT_MESSAGES = { abortEarly: true, message: '' } as const

/** The first place where `value` does not match `schema`, in words; undefined when it matches. */
export function firstProblem(schema: WireSchema, value: unknown): SchemaProblem | undefined {
  // `message: ''` marks the issues our schemas word no message for; describeExpected words those.
  const result = v.safeParse(schema, value, NO_DEFAULT_MESSAGES)
  if (result.success) return undefined
  const issue = result.issues[0]
  const keys = (issue.path ?? []).map((item) => item.key as PathSegment)
  return { path: formatPath(keys), expected: describeExpected(issue, schema, keys), actual: valueAt(value, keys) }
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
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  loose_object: 'an object',
  record: 'an object',
  array: 'an array',
}

// Every check (minLength, regex, custom) in our schemas words its own message; what is left to word here is a
// type, a literal and a missing key.
function describeExpected(issue: Issue, root: WireSchema, keys: readonly PathSegment[]): string {
  if (issue.message !== '') return issue.message // a schema's own wording (codec/schemas.ts EXPECTED)
  // A missing key is reported by its object; say what the field itself would have had to be.
  if (issue.received === 'undefined' && issue.expected?.startsWith('"')) {
    const field = schemaAt(root, keys)
    const missing = field === undefined ? undefined : v.safeParse(field, undefined, NO_DEFAULT_MESSAGES).issues?.[0]
    if (missing !== undefined && missing !== issue) return describeExpected(missing, root, [])
  }
  if (issue.type === 'literal') return issue.expected ?? 'a fixed value'
  return TYPE_NAMES[issue.type] ?? `a valid ${issue.type.replaceAll('_', ' ')}`
}

/** The schema of the field at `keys`, walking object entries and array items. */
function schemaAt(root: WireSchema, keys: readonly PathSegment[]): WireSchema | undefined {
  let current: unknown = root
  for (const key of keys) {
    const node = current as { entries?: Record<PropertyKey, unknown>; item?: unknown } | undefined
    current = typeof key === 'number' ? node?.item : node?.entries?.[key]
  }
  return current as WireSchema | undefined
}

function valueAt(input: unknown, path: readonly PathSegment[]): unknown {
  let current = input
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<PropertyKey, unknown>)[segment]
  }
  return current
}
