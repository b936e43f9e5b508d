// zod/mini schemas for the wire objects of codec/types.ts. Every object is loose: unknown keys pass through,
// because schemes, extensions and reason strings are open sets. No transforms and no defaults, so a value that
// passes is exactly the value that came in (the decoders rely on that to return the parsed object as is).
import * as z from 'zod/mini'
import type {
  PaymentPayload,
  PaymentPayloadV1,
  PaymentRequired,
  PaymentRequiredV1,
  PaymentRequirements,
  PaymentRequirementsV1,
  ResourceInfo,
  SettleResponse,
  SupportedResponse,
  VerifyResponse,
} from './types.js'

/**
 * How error messages word what a field expects, where zod's issue alone would say less ("a string" for a
 * missing field that must be a non-empty string). Set as the error of both the type and the check.
 */
export const EXPECTED = {
  nonEmptyString: 'a non-empty string',
  decimalInteger: 'a decimal integer string (digits only, atomic units)',
  positiveInteger: 'a positive integer',
} as const

const nonEmptyString = z.string({ error: EXPECTED.nonEmptyString }).check(z.minLength(1, { error: EXPECTED.nonEmptyString }))
const decimalIntegerString = z
  .string({ error: EXPECTED.decimalInteger })
  .check(z.regex(/^\d+$/, { error: EXPECTED.decimalInteger }))
const positiveInteger = z.int({ error: EXPECTED.positiveInteger }).check(z.positive({ error: EXPECTED.positiveInteger }))
const plainObject = z.record(z.string(), z.unknown())

export const ResourceInfoSchema = z.looseObject({
  url: z.string(),
  description: z.optional(z.string()),
  mimeType: z.optional(z.string()),
})

export const PaymentRequirementsSchema = z.looseObject({
  scheme: nonEmptyString,
  network: nonEmptyString,
  amount: z.optional(decimalIntegerString),
  asset: z.optional(z.string()),
  payTo: z.optional(z.string()),
  maxTimeoutSeconds: z.optional(positiveInteger),
  planId: z.optional(z.string()),
  extra: z.optional(plainObject),
})

/** v2: the PAYMENT-REQUIRED header. */
export const PaymentRequiredSchema = z.looseObject({
  x402Version: z.literal(2),
  error: z.optional(z.string()),
  resource: ResourceInfoSchema,
  accepts: z.array(PaymentRequirementsSchema).check(z.minLength(1)),
  extensions: z.optional(plainObject),
})

/** v2: the PAYMENT-SIGNATURE header (and a Nevermined access token). */
export const PaymentPayloadSchema = z.looseObject({
  x402Version: z.literal(2),
  resource: z.optional(ResourceInfoSchema),
  accepted: PaymentRequirementsSchema,
  payload: plainObject,
  extensions: z.optional(plainObject),
})

export const PaymentRequirementsV1Schema = z.looseObject({
  scheme: nonEmptyString,
  network: nonEmptyString,
  maxAmountRequired: decimalIntegerString,
  asset: z.string(),
  payTo: z.string(),
  resource: z.string(),
  description: z.string(),
  mimeType: z.string(),
  maxTimeoutSeconds: positiveInteger,
  outputSchema: z.optional(plainObject),
  extra: z.optional(plainObject),
})

/** v1: the 402 JSON body. */
export const PaymentRequiredV1Schema = z.looseObject({
  x402Version: z.literal(1),
  error: z.string(),
  accepts: z.array(PaymentRequirementsV1Schema),
})

/** v1: the X-PAYMENT header. */
export const PaymentPayloadV1Schema = z.looseObject({
  x402Version: z.literal(1),
  scheme: nonEmptyString,
  network: nonEmptyString,
  payload: plainObject,
})

/** PAYMENT-RESPONSE / X-PAYMENT-RESPONSE, and a facilitator's /settle answer. */
export const SettleResponseSchema = z.looseObject({
  success: z.boolean(),
  transaction: z.string(),
  network: z.string(),
  payer: z.optional(z.string()),
  errorReason: z.optional(z.string()),
  amount: z.optional(z.string()),
})

/** A facilitator's /verify answer. */
export const VerifyResponseSchema = z.looseObject({
  isValid: z.boolean(),
  invalidReason: z.optional(z.string()),
  invalidMessage: z.optional(z.string()),
  payer: z.optional(z.string()),
})

export const SupportedKindSchema = z.looseObject({
  x402Version: z.int(),
  scheme: nonEmptyString,
  network: nonEmptyString,
  extra: z.optional(plainObject),
})

/** A facilitator's /supported answer. */
export const SupportedResponseSchema = z.looseObject({
  kinds: z.array(SupportedKindSchema),
  extensions: z.optional(z.array(z.unknown())),
  signers: z.optional(plainObject),
})

// Compile-time check: what each schema lets through is assignable to the interface it stands for.
// A schema that drifts from types.ts breaks `tsc` here.
type Assignable<Target, Source extends Target> = Source
export type _SchemaOutputsMatchTypes = [
  Assignable<ResourceInfo, z.output<typeof ResourceInfoSchema>>,
  Assignable<PaymentRequirements, z.output<typeof PaymentRequirementsSchema>>,
  Assignable<PaymentRequired, z.output<typeof PaymentRequiredSchema>>,
  Assignable<PaymentPayload, z.output<typeof PaymentPayloadSchema>>,
  Assignable<PaymentRequirementsV1, z.output<typeof PaymentRequirementsV1Schema>>,
  Assignable<PaymentRequiredV1, z.output<typeof PaymentRequiredV1Schema>>,
  Assignable<PaymentPayloadV1, z.output<typeof PaymentPayloadV1Schema>>,
  Assignable<SettleResponse, z.output<typeof SettleResponseSchema>>,
  Assignable<VerifyResponse, z.output<typeof VerifyResponseSchema>>,
  Assignable<SupportedResponse, z.output<typeof SupportedResponseSchema>>,
]
