// Header codecs for x402 v1 and v2: names, decoders, encoders, base64 and the wire schemas.
export type * from './types.js'
export {
  DEFAULT_MAX_HEADER_BYTES,
  HEADERS,
  PAYMENT_REQUIRED,
  PAYMENT_RESPONSE,
  PAYMENT_SIGNATURE,
  X_PAYMENT,
  X_PAYMENT_RESPONSE,
  decodeAnyHeader,
  decodePaymentRequired,
  decodePaymentRequiredV1Body,
  decodePaymentResponse,
  decodePaymentSignature,
  decodeXPayment,
  encodePaymentRequired,
  encodePaymentResponse,
  encodePaymentSignature,
  encodeXPayment,
  readProof,
} from './headers.js'
export type { AnyHeader, DecodeOptions, Decoded, HeaderName, HeaderReader } from './headers.js'
export { decodeBase64, decodeBase64Json, encodeBase64, encodeBase64Json } from './base64.js'
export {
  PaymentPayloadSchema,
  PaymentPayloadV1Schema,
  PaymentRequirementsSchema,
  ResourceInfoSchema,
} from './schemas.js'
export {
  PaymentRequiredSchema,
  PaymentRequiredV1Schema,
  PaymentRequirementsV1Schema,
  SettleResponseSchema,
  SupportedKindSchema,
  SupportedResponseSchema,
  VerifyResponseSchema,
} from './answer-schemas.js'
