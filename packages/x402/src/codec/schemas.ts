// Valibot schemas for the wire objects of codec/types.ts. Every object is loose: unknown keys pass through,
// because schemes, extensions and reason strings are open sets. No transforms and no defaults, so a value that
// passes is exactly the value that came in (the decoders rely on that to return the parsed object as is).
// Valibot rather than zod: the same checks cost a third of the bytes in an app's bundle (docs/performance.md, P5).
import * as v from 'valibot'
import { EXPECTED } from './expected.js'
import { isRecord } from './record.js'
import type {
  PaymentPayload,
  PaymentPayloadV1,
  PaymentRequirements,
  ResourceInfo,
} from './types.js'
// The schemas of answers (the 402, receipts, a facilitator's replies) are in answer-schemas.ts.

export { EXPECTED } from './expected.js'

// One `custom` check each rather than a pipe of type and checks: the same values pass and fail with the same
// message, and an app's bundle does without valibot's pipe, number, integer, minLength, minValue and regex
// (0.3 kB gzipped of the Hono + exact bundle, docs/performance.md, P5).
export const nonEmptyString = v.custom<string>((input) => typeof input === 'string' && input !== '', EXPECTED.nonEmptyString)
export const decimalIntegerString = v.custom<string>((input) => typeof input === 'string' && /^\d+$/.test(input), EXPECTED.decimalInteger)
export const positiveInteger = v.custom<number>((input) => Number.isInteger(input) && (input as number) >= 1, EXPECTED.positiveInteger)
// A JSON object: not null, not an array (valibot's record alone would let an array through).
export const plainObject = v.custom<Record<string, unknown>>(isRecord, 'an object')

export const ResourceInfoSchema = v.looseObject({
  url: v.string(),
  description: v.optional(v.string()),
  mimeType: v.optional(v.string()),
})

export const PaymentRequirementsSchema = v.looseObject({
  scheme: nonEmptyString,
  network: nonEmptyString,
  amount: v.optional(decimalIntegerString),
  asset: v.optional(v.string()),
  payTo: v.optional(v.string()),
  maxTimeoutSeconds: v.optional(positiveInteger),
  planId: v.optional(v.string()),
  extra: v.optional(plainObject),
})

/** v2: the PAYMENT-SIGNATURE header (and a Nevermined access token). */
export const PaymentPayloadSchema = v.looseObject({
  x402Version: v.literal(2),
  resource: v.optional(ResourceInfoSchema),
  accepted: PaymentRequirementsSchema,
  payload: plainObject,
  extensions: v.optional(plainObject),
})

/** v1: the X-PAYMENT header. */
export const PaymentPayloadV1Schema = v.looseObject({
  x402Version: v.literal(1),
  scheme: nonEmptyString,
  network: nonEmptyString,
  payload: plainObject,
})

/** Any of the schemas above, as the decoders take them; `T` is what it lets through. */
export type WireSchema<T = unknown> = v.GenericSchema<unknown, T>

// Compile-time check: what each schema lets through is assignable to the interface it stands for.
// A schema that drifts from types.ts breaks `tsc` here.
export type Assignable<Target, Source extends Target> = Source
export type _SchemaOutputsMatchTypes = [
  Assignable<ResourceInfo, v.InferOutput<typeof ResourceInfoSchema>>,
  Assignable<PaymentRequirements, v.InferOutput<typeof PaymentRequirementsSchema>>,
  Assignable<PaymentPayload, v.InferOutput<typeof PaymentPayloadSchema>>,
  Assignable<PaymentPayloadV1, v.InferOutput<typeof PaymentPayloadV1Schema>>,
]
