// The payment proofs' check written out (PAYMENT-SIGNATURE and X-PAYMENT), so that a server's paid path reads its
// header without valibot, which with the two schemas was 1.4 kB gzipped of the Hono + exact bundle (P5). It finds
// exactly what firstProblem(PaymentPayloadSchema | PaymentPayloadV1Schema, value) finds, the same path, words and
// value (schemas.ts stays the public description; proof-check.test.ts holds the two together). Loose like the
// schemas: unknown keys pass, and an object field is any non-null object where valibot's looseObject takes one.
import { EXPECTED } from './expected.js'
import { isRecord } from './record.js'
import type { SchemaProblem } from './wire-check.js'

type Check = (value: unknown) => boolean
/** A field: its key, its check (or the fields of the object it must be), the words for it, whether it may be absent. */
type Field = readonly [key: string, check: Check | readonly Field[], expected: string, optional?: true]

const A_STRING = 'a string'
const AN_OBJECT = 'an object'
const text: Check = (value) => typeof value === 'string'
const nonEmpty: Check = (value) => typeof value === 'string' && value !== ''

const RESOURCE: readonly Field[] = [
  ['url', text, A_STRING],
  ['description', text, A_STRING, true],
  ['mimeType', text, A_STRING, true],
]

const REQUIREMENTS: readonly Field[] = [
  ['scheme', nonEmpty, EXPECTED.nonEmptyString],
  ['network', nonEmpty, EXPECTED.nonEmptyString],
  ['amount', (value) => typeof value === 'string' && /^\d+$/.test(value), EXPECTED.decimalInteger, true],
  ['asset', text, A_STRING, true],
  ['payTo', text, A_STRING, true],
  ['maxTimeoutSeconds', (value) => Number.isInteger(value) && (value as number) >= 1, EXPECTED.positiveInteger, true],
  ['planId', text, A_STRING, true],
  ['extra', isRecord, AN_OBJECT, true],
]

const PAYLOAD_V2: readonly Field[] = [
  ['x402Version', (value) => value === 2, '2'],
  ['resource', RESOURCE, AN_OBJECT, true],
  ['accepted', REQUIREMENTS, AN_OBJECT],
  ['payload', isRecord, AN_OBJECT],
  ['extensions', isRecord, AN_OBJECT, true],
]

const PAYLOAD_V1: readonly Field[] = [
  ['x402Version', (value) => value === 1, '1'],
  ['scheme', nonEmpty, EXPECTED.nonEmptyString],
  ['network', nonEmpty, EXPECTED.nonEmptyString],
  ['payload', isRecord, AN_OBJECT],
]

/** The first problem of a v2 payment payload (PAYMENT-SIGNATURE); undefined when it has none. */
export function paymentPayloadProblem(value: object): SchemaProblem | undefined {
  return problemIn(value, PAYLOAD_V2, '')
}

/** The first problem of a v1 payment payload (X-PAYMENT); undefined when it has none. */
export function paymentPayloadV1Problem(value: object): SchemaProblem | undefined {
  return problemIn(value, PAYLOAD_V1, '')
}

/**
 * `missing` words a missing key when it cannot be the field's own words: the schemas word a key missing from an
 * object behind `optional` (resource.url) by the object's type ("an object"), and the decoders always said so.
 */
function problemIn(value: object, fields: readonly Field[], prefix: string, missing?: string): SchemaProblem | undefined {
  for (const [key, check, expected, optional] of fields) {
    const actual = (value as Record<string, unknown>)[key]
    const path = prefix + key
    if (actual === undefined) {
      if (optional) continue
      return { path, expected: missing ?? expected, actual }
    }
    if (typeof check === 'function') {
      if (!check(actual)) return { path, expected, actual }
    } else {
      if (typeof actual !== 'object' || actual === null) return { path, expected, actual }
      const inner = problemIn(actual, check, path + '.', optional && AN_OBJECT)
      if (inner) return inner
    }
  }
  return undefined
}
