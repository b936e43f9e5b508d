// A payment's own id, as the payment-identifier spec writes it: 16 to 128 letters, digits, '-' or '_'. Shared by the
// seller's reader and the buyer, which makes one.

export const PAYMENT_IDENTIFIER = 'payment-identifier'

const ID = /^[A-Za-z0-9_-]{16,128}$/

/** The JSON Schema the 402 declares for `info` (the spec's, with the id's characters). */
export const PAYMENT_ID_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    required: { type: 'boolean' },
    id: { type: 'string', minLength: 16, maxLength: 128, pattern: '^[a-zA-Z0-9_-]+$' },
  },
  required: ['required'],
} as const

/** Whether `id` is a usable payment id: 16 to 128 letters, digits, '-' or '_'. */
export function isPaymentId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id)
}

/** A new payment id: `pay_` and 32 random hex digits, as the spec recommends. */
export function newPaymentId(prefix = 'pay_'): string {
  return prefix + crypto.randomUUID().replace(/-/g, '')
}
