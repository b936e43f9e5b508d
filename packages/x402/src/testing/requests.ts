// Helpers that make a paywall test a few lines with no server: build requests, read 402s and receipts,
// and pay for an offer with the test facilitator.
import { TollgateError } from '../errors.js'
import { decodeBase64Json } from '../codec/base64.js'
import { isRecord } from '../codec/record.js'
import type {
  PaymentRequired,
  PaymentRequiredV1,
  PaymentRequirements,
  PaymentRequirementsV1,
  SettleResponse,
  X402Version,
} from '../codec/types.js'
import type { TestFacilitator } from './facilitator.js'
import { fromV1Network } from './networks.js'

/** The origin given to paths such as `/ask`, since a Request needs an absolute URL. */
export const TEST_ORIGIN = 'http://localhost'

/** A request with no payment. `url` may be a bare path (`/ask`), resolved against `TEST_ORIGIN`. */
export function unpaidRequest(url: string | URL, init?: RequestInit): Request {
  return new Request(absolute(url), init)
}

export interface PaidRequestInit extends RequestInit {
  /**
   * Which proof header to send: 2 -> `PAYMENT-SIGNATURE`, 1 -> `X-PAYMENT`.
   * Default: the token's own `x402Version` when it decodes, else 2.
   */
  x402Version?: X402Version
}

/** A request carrying `token` in the proof header of its generation. Other headers in `init` are kept. */
export function paidRequest(url: string | URL, token: string, init: PaidRequestInit = {}): Request {
  const { x402Version, ...requestInit } = init
  const version = x402Version ?? versionOf(token) ?? 2
  const headers = new Headers(requestInit.headers)
  headers.set(version === 1 ? 'X-PAYMENT' : 'PAYMENT-SIGNATURE', token)
  return new Request(absolute(url), { ...requestInit, headers })
}

/** The payment request(s) a 402 carries. */
export interface ReadPaymentRequired {
  /** From the `PAYMENT-REQUIRED` header. */
  v2?: PaymentRequired
  /** From the JSON body, when it is a v1 `{ x402Version: 1, accepts }`. */
  v1?: PaymentRequiredV1
}

/**
 * Decodes the `PAYMENT-REQUIRED` header (v2) and the JSON body (v1). The body is read from a clone,
 * so the response stays readable. Throws when either is present but malformed.
 */
export async function readPaymentRequired(response: Response): Promise<ReadPaymentRequired> {
  const found: ReadPaymentRequired = {}
  const header = response.headers.get('PAYMENT-REQUIRED')
  if (header !== null) {
    const value = decodeHeader(header, 'PAYMENT-REQUIRED')
    if (!isPaymentRequired(value)) {
      throw malformed('PAYMENT-REQUIRED', '{ x402Version: 2, resource: { url }, accepts: [{ scheme, network, ... }] }')
    }
    found.v2 = value
  }
  const body = await bodyJson(response)
  if (isRecord(body) && body.x402Version === 1) {
    if (!isPaymentRequiredV1(body)) {
      throw malformed('body', '{ x402Version: 1, error, accepts: [{ scheme, network, maxAmountRequired, ... }] }')
    }
    found.v1 = body
  }
  return found
}

/** Decodes the receipt: `PAYMENT-RESPONSE` (v2) or `X-PAYMENT-RESPONSE` (v1); undefined when neither is set. */
export function readReceipt(response: Response): SettleResponse | undefined {
  const name = response.headers.has('PAYMENT-RESPONSE') ? 'PAYMENT-RESPONSE' : 'X-PAYMENT-RESPONSE'
  const header = response.headers.get(name)
  if (header === null) return undefined
  const value = decodeHeader(header, name)
  if (!isSettleResponse(value)) throw malformed(name, '{ success: boolean, transaction: string, network: string, ... }')
  return value
}

export interface PayForOptions {
  /** Who pays. */
  payer: string
  /** The proof generation to answer with. Default 2 when the 402 has a `PAYMENT-REQUIRED` header, else 1. */
  x402Version?: X402Version
  /** Which of the offered options to pay. Default 0. */
  optionIndex?: number
  /** Passed to `mint`. */
  singleUse?: boolean
  /** Passed to `mint`. */
  expiresAt?: number | Date
  /** Passed to `mint`. */
  amount?: string | bigint | number
  /** Passed to `mint`: false makes a token with a bad signature. */
  valid?: boolean
}

/** Reads a 402 and mints a token for one of its offers: what a paying client would send back. */
export async function payFor(response402: Response, facilitator: Pick<TestFacilitator, 'mint'>, options: PayForOptions): Promise<string> {
  if (response402.status !== 402) {
    throw new TollgateError('invalid_options', `payFor: expected a 402 response, got ${response402.status}.`, { path: 'response402.status', expected: '402' })
  }
  const { v2, v1 } = await readPaymentRequired(response402)
  if (v2 === undefined && v1 === undefined) {
    throw new TollgateError('invalid_options', 'payFor: the 402 has neither a PAYMENT-REQUIRED header nor a v1 JSON body.', {
      path: 'response402',
      expected: 'a PAYMENT-REQUIRED header or a { x402Version: 1, accepts } body',
    })
  }
  const { payer, x402Version, optionIndex, ...mintOptions } = options
  // The v2 offers are what the server matches `accepted` against, so prefer them for either generation.
  const accepts: PaymentRequirements[] = v2 !== undefined ? v2.accepts : (v1 as PaymentRequiredV1).accepts.map(fromV1Requirements)
  const version = x402Version ?? (v2 !== undefined ? 2 : 1)
  return facilitator.mint({
    ...mintOptions,
    payer,
    accepts,
    x402Version: version,
    ...(optionIndex !== undefined ? { optionIndex } : {}),
    ...(version === 2 && v2 !== undefined ? { resource: v2.resource } : {}),
  })
}

/** v1 requirements in v2 shape: CAIP-2 network, `amount`, and no per-offer resource fields. */
function fromV1Requirements(requirements: PaymentRequirementsV1): PaymentRequirements {
  const { network, maxAmountRequired, resource: _r, description: _d, mimeType: _m, outputSchema: _o, ...rest } = requirements
  return { ...rest, network: fromV1Network(network), amount: maxAmountRequired }
}

function absolute(url: string | URL): string | URL {
  return typeof url === 'string' && url.startsWith('/') ? TEST_ORIGIN + url : url
}

function versionOf(token: string): X402Version | undefined {
  try {
    const version = (decodeBase64Json(token) as { x402Version?: unknown } | null)?.x402Version
    return version === 1 || version === 2 ? version : undefined
  } catch {
    return undefined
  }
}

function decodeHeader(value: string, name: string): unknown {
  try {
    return decodeBase64Json(value)
  } catch (cause) {
    throw new TollgateError('malformed_payment', `The ${name} header is not base64 of JSON.`, { path: name, expected: 'base64 of JSON' }, { cause })
  }
}

async function bodyJson(response: Response): Promise<unknown> {
  if (response.body === null || response.bodyUsed) return undefined
  const text = await response.clone().text()
  try {
    return JSON.parse(text)
  } catch {
    return undefined // an HTML paywall page, or no body
  }
}

function malformed(where: string, expected: string): TollgateError {
  return new TollgateError('malformed_payment', `The 402's ${where} does not have the expected shape.`, { path: where, expected })
}

function isOffer(value: unknown): boolean {
  return isRecord(value) && typeof value.scheme === 'string' && typeof value.network === 'string'
}

function isPaymentRequired(value: unknown): value is PaymentRequired {
  return (
    isRecord(value) &&
    value.x402Version === 2 &&
    isRecord(value.resource) &&
    typeof value.resource.url === 'string' &&
    Array.isArray(value.accepts) &&
    value.accepts.length > 0 &&
    value.accepts.every(isOffer)
  )
}

function isPaymentRequiredV1(value: Record<string, unknown>): value is Record<string, unknown> & PaymentRequiredV1 {
  return (
    Array.isArray(value.accepts) &&
    value.accepts.every((offer) => isOffer(offer) && typeof (offer as Record<string, unknown>).maxAmountRequired === 'string')
  )
}

function isSettleResponse(value: unknown): value is SettleResponse {
  return isRecord(value) && typeof value.success === 'boolean' && typeof value.transaction === 'string' && typeof value.network === 'string'
}
