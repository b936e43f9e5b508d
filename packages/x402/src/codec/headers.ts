// The five x402 headers: names, decoders (size limit, base64, JSON, version, schema) and encoders.
// Decoders never throw: a bad header is the client's problem and becomes a 402 with a reason, not a 500.
import { isTollgateError, TollgateError } from '../errors.js'
import { decodeBase64Json, encodeBase64Json } from './base64.js'
import { PaymentRequiredSchema, PaymentRequiredV1Schema, SettleResponseSchema } from './answer-schemas.js'
import type { WireSchema } from './schemas.js'
import type {
  DecodedProof,
  PaymentPayload,
  PaymentPayloadV1,
  PaymentRequired,
  PaymentRequiredV1,
  SettleResponse,
} from './types.js'
import { paymentPayloadProblem, paymentPayloadV1Problem } from './proof-check.js'
import { firstProblem } from './validate.js'
import { checkWire, type Decoded, type ProblemOf } from './wire-check.js'

export type { Decoded } from './wire-check.js'

/** v2: the server's 402 offer. */
export const PAYMENT_REQUIRED = 'PAYMENT-REQUIRED'
/** v2: the client's proof. */
export const PAYMENT_SIGNATURE = 'PAYMENT-SIGNATURE'
/** v2: the settlement receipt. */
export const PAYMENT_RESPONSE = 'PAYMENT-RESPONSE'
/** v1: the client's proof. */
export const X_PAYMENT = 'X-PAYMENT'
/** v1: the settlement receipt. */
export const X_PAYMENT_RESPONSE = 'X-PAYMENT-RESPONSE'

export const HEADERS = {
  PAYMENT_REQUIRED,
  PAYMENT_SIGNATURE,
  PAYMENT_RESPONSE,
  X_PAYMENT,
  X_PAYMENT_RESPONSE,
} as const

export type HeaderName = (typeof HEADERS)[keyof typeof HEADERS]

/** Larger proof headers are refused before any decoding work. */
export const DEFAULT_MAX_HEADER_BYTES = 8192

export interface DecodeOptions {
  /** Largest accepted header value, in bytes (header values are Latin-1: one byte per character). Default 8192. */
  maxBytes?: number
}

export function decodePaymentSignature(value: string, opts?: DecodeOptions): Decoded<PaymentPayload> {
  return wrap(decodeHeader<PaymentPayload>(PAYMENT_SIGNATURE, value, paymentPayloadProblem, 2, opts))
}

export function decodeXPayment(value: string, opts?: DecodeOptions): Decoded<PaymentPayloadV1> {
  return wrap(decodeHeader<PaymentPayloadV1>(X_PAYMENT, value, paymentPayloadV1Problem, 1, opts))
}

export function decodePaymentRequired(value: string, opts?: DecodeOptions): Decoded<PaymentRequired> {
  return wrap(decodeHeader<PaymentRequired>(PAYMENT_REQUIRED, value, problemOf(PaymentRequiredSchema), 2, opts))
}

/** PAYMENT-RESPONSE and X-PAYMENT-RESPONSE carry the same object. */
export function decodePaymentResponse(value: string, opts?: DecodeOptions): Decoded<SettleResponse> {
  return wrap(decodeHeader<SettleResponse>(PAYMENT_RESPONSE, value, problemOf(SettleResponseSchema), undefined, opts))
}

/** v1 servers say "pay" in the 402's JSON body, not in a header. */
export function decodePaymentRequiredV1Body(json: unknown): Decoded<PaymentRequiredV1> {
  return wrap(checkWire<PaymentRequiredV1>(json, problemOf(PaymentRequiredV1Schema), 1, '402 body'))
}

/** Anything headers can be read from: a Headers, or a framework's cheaper view of the same request. */
export interface HeaderReader {
  get(name: string): string | null
}

/**
 * The payment proof on a request: PAYMENT-SIGNATURE (v2) or X-PAYMENT (v1); v2 wins when both are sent.
 * `null` when there is none (an empty header counts as none).
 */
export function readProof(headers: HeaderReader, opts?: DecodeOptions): Decoded<DecodedProof> | null {
  const signature = headers.get(PAYMENT_SIGNATURE)
  const raw = signature || headers.get(X_PAYMENT)
  return raw ? decodeProof(raw, !!signature, opts) : null
}

/** A proof header's value (a non-empty string), read from PAYMENT-SIGNATURE (`v2`) or X-PAYMENT, decoded. */
export function decodeProof(raw: string, v2: boolean, opts?: DecodeOptions): Decoded<DecodedProof> {
  const header = v2 ? PAYMENT_SIGNATURE : X_PAYMENT
  const payload = decodeText<object>(header, raw, v2 ? paymentPayloadProblem : paymentPayloadV1Problem, v2 ? 2 : 1, opts)
  if (isTollgateError(payload)) return { ok: false, error: payload }
  return { ok: true, value: { x402Version: v2 ? 2 : 1, header, raw, payload } as DecodedProof }
}

// Encoders: standard base64 with padding, of the JSON in the object's own key order.

export function encodePaymentRequired(value: PaymentRequired): string {
  return encodeBase64Json(value)
}

export function encodePaymentSignature(value: PaymentPayload): string {
  return encodeBase64Json(value)
}

export function encodeXPayment(value: PaymentPayloadV1): string {
  return encodeBase64Json(value)
}

/** For PAYMENT-RESPONSE and X-PAYMENT-RESPONSE alike. */
export function encodePaymentResponse(value: SettleResponse): string {
  return encodeBase64Json(value)
}

export interface AnyHeader {
  /** The canonical header name (`PAYMENT-SIGNATURE`). */
  header: HeaderName
  /** The version the value declares; receipts carry none. */
  x402Version: 1 | 2 | undefined
  value: object
}

interface HeaderCodec {
  header: HeaderName
  check: ProblemOf
  x402Version: 1 | 2 | undefined
}

const CODECS: Record<string, HeaderCodec> = {
  'payment-required': { header: PAYMENT_REQUIRED, check: /* @__PURE__ */ problemOf(PaymentRequiredSchema), x402Version: 2 },
  'payment-signature': { header: PAYMENT_SIGNATURE, check: paymentPayloadProblem, x402Version: 2 },
  'payment-response': { header: PAYMENT_RESPONSE, check: /* @__PURE__ */ problemOf(SettleResponseSchema), x402Version: undefined },
  'x-payment': { header: X_PAYMENT, check: paymentPayloadV1Problem, x402Version: 1 },
  'x-payment-response': { header: X_PAYMENT_RESPONSE, check: /* @__PURE__ */ problemOf(SettleResponseSchema), x402Version: undefined },
}

/** Decode any of the five headers by name (case-insensitive); surrounding whitespace in the value is ignored. */
export function decodeAnyHeader(name: string, value: string, opts?: DecodeOptions): Decoded<AnyHeader> {
  const key = typeof name === 'string' ? name.trim().toLowerCase() : undefined
  // Own keys only: `__proto__` or `constructor` must not find Object.prototype's members.
  const codec = key !== undefined && Object.hasOwn(CODECS, key) ? CODECS[key] : undefined
  if (codec === undefined) {
    const known = Object.values(HEADERS).join(', ')
    return {
      ok: false,
      error: new TollgateError('invalid_options', `Unknown x402 header "${name}": expected one of ${known}.`, {
        path: 'name',
        expected: known,
      }),
    }
  }
  const trimmed = typeof value === 'string' ? value.trim() : value
  const decoded = decodeHeader<object>(codec.header, trimmed, codec.check, codec.x402Version, opts)
  if (isTollgateError(decoded)) return { ok: false, error: decoded }
  return { ok: true, value: { header: codec.header, x402Version: codec.x402Version, value: decoded } }
}

/** size limit -> base64 -> JSON -> object -> version -> schema; the parsed object itself on success. */
function decodeHeader<T>(
  header: HeaderName,
  value: string,
  check: ProblemOf,
  x402Version: 1 | 2 | undefined,
  opts: DecodeOptions | undefined,
): T | TollgateError {
  if (typeof value !== 'string' || value === '') {
    const what = typeof value === 'string' ? 'empty' : `not a string (${typeof value})`
    return new TollgateError('malformed_payment', `${header}: the header is ${what}.`, {
      header,
      expected: 'base64 of a JSON object',
    })
  }
  return decodeText<T>(header, value, check, x402Version, opts)
}

/** decodeHeader for a value known to be a non-empty string (a proof header the paywall read). */
function decodeText<T>(
  header: HeaderName,
  value: string,
  check: ProblemOf,
  x402Version: 1 | 2 | undefined,
  opts: DecodeOptions | undefined,
): T | TollgateError {
  // Before any decoding: a huge header must cost nothing but this comparison.
  const limit = opts?.maxBytes ?? DEFAULT_MAX_HEADER_BYTES
  if (value.length > limit) {
    return new TollgateError(
      'header_too_large',
      `${header}: the header is ${value.length} bytes, more than the limit of ${limit}.`,
      { header, limit, size: value.length },
    )
  }
  let parsed: unknown
  try {
    parsed = decodeBase64Json(value)
  } catch (error) {
    return withHeaderName(error, header)
  }
  return checkWire<T>(parsed, check, x402Version, header)
}

/** base64.ts speaks of "the header"; say which one. */
function withHeaderName(error: unknown, header: HeaderName): TollgateError {
  if (!isTollgateError(error)) {
    return new TollgateError('malformed_payment', `${header}: the header could not be decoded.`, { header }, { cause: error })
  }
  const message = error.message.replace(/^The header/, 'the header')
  return new TollgateError(error.code, `${header}: ${message}`, { ...error.details, header }, { cause: error.cause })
}

/** A valibot schema's check (answers: the 402, receipts); the proofs have their own, without valibot. */
function problemOf(schema: WireSchema): ProblemOf {
  return (value) => firstProblem(schema, value)
}

function wrap<T>(result: T | TollgateError): Decoded<T> {
  return isTollgateError(result) ? { ok: false, error: result } : { ok: true, value: result }
}
