// Reading a 402: the offers from the PAYMENT-REQUIRED header (v2) or the JSON body (v1, or v2 when the
// header is missing or unreadable, as in a browser that was not allowed to read it), and why it was refused.
import { decodePaymentRequired, decodePaymentRequiredV1Body, decodePaymentResponse, PAYMENT_REQUIRED, PAYMENT_RESPONSE, X_PAYMENT_RESPONSE } from '../codec/headers.js'
import { PaymentRequiredSchema } from '../codec/answer-schemas.js'
import type { PaymentRequired, PaymentRequiredV1, PaymentRequirementsV1, SettleResponse } from '../codec/types.js'
import { validateWire } from '../codec/validate.js'
import { isTollgateError, TollgateError } from '../errors.js'
import { toCaip2 } from '../requirements/networks.js'
import type { Offer, PaymentDemand } from './types.js'
import { isRecord } from '../codec/record.js'

/** Bodies larger than this are not read for a payment request (a 402 body is a small JSON object). */
const MAX_BODY_CHARS = 256 * 1024

/**
 * What a 402 asks for. Reads (and so consumes) the body only when the header does not answer.
 * Throws `malformed_402` when neither the header nor the body is an x402 payment request.
 */
export async function readPaymentDemand(response: Response): Promise<PaymentDemand> {
  const header = response.headers.get(PAYMENT_REQUIRED)
  let headerProblem: TollgateError | undefined
  if (header !== null && header !== '') {
    const decoded = decodePaymentRequired(header)
    if (decoded.ok) {
      await response.body?.cancel().catch(() => undefined)
      return fromV2(decoded.value, 'header')
    }
    headerProblem = decoded.error
  }
  const body = await readJsonBody(response)
  const version = isRecord(body) ? body.x402Version : undefined
  if (version === 1) {
    const decoded = decodePaymentRequiredV1Body(body)
    if (decoded.ok) return fromV1(decoded.value)
    throw malformed(`the 402's v1 body is not a payment request: ${decoded.error.message}`, decoded.error)
  }
  if (version === 2) {
    const decoded = validateWire<PaymentRequired>(body, PaymentRequiredSchema, 2, '402 body')
    if (!isTollgateError(decoded)) return fromV2(decoded, 'body')
    throw malformed(`the 402's v2 body is not a payment request: ${decoded.message}`, decoded)
  }
  if (headerProblem) throw malformed(`its ${PAYMENT_REQUIRED} header cannot be read: ${headerProblem.message}`, headerProblem)
  throw malformed(`it has no ${PAYMENT_REQUIRED} header and no x402 JSON body`)
}

/** The decoded PAYMENT-RESPONSE (v2) or X-PAYMENT-RESPONSE (v1) of a response, when it has a readable one. */
export function readReceiptHeader(headers: Headers): SettleResponse | undefined {
  const value = headers.get(PAYMENT_RESPONSE) ?? headers.get(X_PAYMENT_RESPONSE)
  if (value === null || value === '') return undefined
  const decoded = decodePaymentResponse(value)
  return decoded.ok ? decoded.value : undefined
}

function fromV2(paymentRequired: PaymentRequired, source: 'header' | 'body'): PaymentDemand {
  const resource = paymentRequired.resource
  const offers: Offer[] = paymentRequired.accepts.map((requirements, index) => ({
    x402Version: 2,
    requirements,
    raw: requirements,
    resource,
    index,
  }))
  return { x402Version: 2, source, error: paymentRequired.error, resource, offers, paymentRequired }
}

function fromV1(body: PaymentRequiredV1): PaymentDemand {
  const offers = body.accepts.map((raw, index): Offer => ({
    x402Version: 1,
    requirements: v1ToV2(raw),
    raw,
    resource: { url: raw.resource, ...(raw.description ? { description: raw.description } : {}), ...(raw.mimeType ? { mimeType: raw.mimeType } : {}) },
    index,
  }))
  const resource = offers[0]?.resource ?? { url: '' }
  return { x402Version: 1, source: 'body', error: body.error, resource, offers, paymentRequired: body }
}

/** A v1 offer in v2 shape: `maxAmountRequired` -> `amount`, a known network name -> CAIP-2 (unknown names stay). */
function v1ToV2(raw: PaymentRequirementsV1) {
  const { scheme, network, maxAmountRequired, asset, payTo, maxTimeoutSeconds, extra } = raw
  return {
    scheme,
    network: caip2OrSame(network),
    amount: maxAmountRequired,
    asset,
    payTo,
    maxTimeoutSeconds,
    ...(extra === undefined ? {} : { extra }),
  }
}

function caip2OrSame(network: string): string {
  try {
    return toCaip2(network)
  } catch {
    return network
  }
}

async function readJsonBody(response: Response): Promise<unknown> {
  if (response.bodyUsed || response.body === null) return undefined
  let text: string
  try {
    text = await response.text()
  } catch {
    return undefined
  }
  if (text.length > MAX_BODY_CHARS) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function malformed(why: string, cause?: TollgateError): TollgateError {
  const details = { expected: `a ${PAYMENT_REQUIRED} header or an x402 JSON body` }
  return new TollgateError('malformed_402', `The server answered 402 but ${why}.`, details, cause ? { cause } : undefined)
}
