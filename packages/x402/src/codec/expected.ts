// How error messages word what a wire field expects, shared by the valibot schemas (schemas.ts) and the payment
// proofs' own check (proof-check.ts).
/**
 * How error messages word what a field expects, where the schema's issue alone would say less ("a string" for
 * a missing field that must be a non-empty string). Each is the message of its one check.
 */
export const EXPECTED = {
  nonEmptyString: 'a non-empty string',
  decimalInteger: 'a decimal integer string (digits only, atomic units)',
  positiveInteger: 'a positive integer',
} as const
