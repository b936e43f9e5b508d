// Valibot schemas of the answers: the 402 (header and v1 body), receipts and a facilitator's replies. Apart from
// schemas.ts so that a bundle which only reads payments (a server's paid path) leaves them out: esbuild keeps
// every top-level schema of a module it includes, used or not.
import * as v from 'valibot'
import {
  type Assignable,
  decimalIntegerString,
  nonEmptyString,
  PaymentRequirementsSchema,
  plainObject,
  positiveInteger,
  ResourceInfoSchema,
} from './schemas.js'
import type { PaymentRequired, PaymentRequiredV1, PaymentRequirementsV1, SettleResponse, SupportedResponse, VerifyResponse } from './types.js'

/** v2: the PAYMENT-REQUIRED header. */
export const PaymentRequiredSchema = v.looseObject({
  x402Version: v.literal(2),
  error: v.optional(v.string()),
  resource: ResourceInfoSchema,
  accepts: v.pipe(v.array(PaymentRequirementsSchema), v.minLength(1, 'a non-empty array')),
  extensions: v.optional(plainObject),
})

export const PaymentRequirementsV1Schema = v.looseObject({
  scheme: nonEmptyString,
  network: nonEmptyString,
  maxAmountRequired: decimalIntegerString,
  asset: v.string(),
  payTo: v.string(),
  resource: v.string(),
  description: v.string(),
  mimeType: v.string(),
  maxTimeoutSeconds: positiveInteger,
  outputSchema: v.optional(plainObject),
  extra: v.optional(plainObject),
})

/** v1: the 402 JSON body. */
export const PaymentRequiredV1Schema = v.looseObject({
  x402Version: v.literal(1),
  error: v.string(),
  accepts: v.array(PaymentRequirementsV1Schema),
})

/** PAYMENT-RESPONSE / X-PAYMENT-RESPONSE, and a facilitator's /settle answer. */
export const SettleResponseSchema = v.looseObject({
  success: v.boolean(),
  transaction: v.string(),
  network: v.string(),
  payer: v.optional(v.string()),
  errorReason: v.optional(v.string()),
  amount: v.optional(v.string()),
})

/** A facilitator's /verify answer. */
export const VerifyResponseSchema = v.looseObject({
  isValid: v.boolean(),
  invalidReason: v.optional(v.string()),
  invalidMessage: v.optional(v.string()),
  payer: v.optional(v.string()),
})

export const SupportedKindSchema = v.looseObject({
  x402Version: v.pipe(v.number(), v.integer()),
  scheme: nonEmptyString,
  network: nonEmptyString,
  extra: v.optional(plainObject),
})

/** A facilitator's /supported answer. */
export const SupportedResponseSchema = v.looseObject({
  kinds: v.array(SupportedKindSchema),
  extensions: v.optional(v.array(v.unknown())),
  signers: v.optional(plainObject),
})

// Compile-time check, as in schemas.ts: what each schema lets through is assignable to its interface.
export type _AnswerSchemaOutputsMatchTypes = [
  Assignable<PaymentRequired, v.InferOutput<typeof PaymentRequiredSchema>>,
  Assignable<PaymentRequirementsV1, v.InferOutput<typeof PaymentRequirementsV1Schema>>,
  Assignable<PaymentRequiredV1, v.InferOutput<typeof PaymentRequiredV1Schema>>,
  Assignable<SettleResponse, v.InferOutput<typeof SettleResponseSchema>>,
  Assignable<VerifyResponse, v.InferOutput<typeof VerifyResponseSchema>>,
  Assignable<SupportedResponse, v.InferOutput<typeof SupportedResponseSchema>>,
]
