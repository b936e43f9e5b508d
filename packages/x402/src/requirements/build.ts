// From payment options to wire objects: the v2 PaymentRequired, its v1 body, and matching a proof back
// to the offer it pays for.
import { TollgateError } from '../errors.js'
import type {
  PaymentPayloadV1,
  PaymentRequired,
  PaymentRequiredV1,
  PaymentRequirements,
  PaymentRequirementsV1,
  ResourceInfo,
} from '../codec/types.js'
import type { Scheme } from '../schemes/contract.js'
import { describeRequirements, schemeFor } from '../schemes/registry.js'
import { parseAtomic } from './money.js'
import { toV1Network } from './networks.js'
import type { PaymentOption } from './types.js'

const HEX_ADDRESS = /^0x[0-9a-fA-F]+$/

/** The reference default, used when an offer shown to v1 clients has no timeout of its own. */
const DEFAULT_MAX_TIMEOUT_SECONDS = 300

/** The amount to authorise for this request, as a decimal string: the static one, or the option's function's. */
export async function resolveAmount(option: PaymentOption, request: Request): Promise<string> {
  if (typeof option.amount === 'string') return option.amount
  const value = await option.amount(request)
  try {
    return parseAtomic(value, 'amount').toString()
  } catch (cause) {
    const problem = cause instanceof Error ? cause.message : String(cause)
    throw new TollgateError(
      'invalid_price',
      `The amount function of the ${describeOption(option)} option returned an unusable amount: ${problem}`,
      { path: 'amount', expected: 'atomic units or credits as a positive integer (string, bigint or safe integer)', option: describeOption(option) },
      { cause },
    )
  }
}

/** The option's offer for one request; `amount` goes after `network` when the amount is on the wire. */
export function buildRequirements(option: PaymentOption, amount: string): PaymentRequirements {
  const { scheme, network, amount: _staticAmount, extra, ...rest } = option.requirements
  const requirements: PaymentRequirements = { scheme, network }
  if (option.amountOnWire) requirements.amount = amount
  Object.assign(requirements, rest)
  if (extra !== undefined) requirements.extra = { ...extra }
  return requirements
}

export interface PaymentRequiredInput {
  resource: ResourceInfo
  accepts: PaymentRequirements[]
  error?: string
  extensions?: Record<string, unknown>
}

/** The v2 PaymentRequired: `{ x402Version, error?, resource, accepts, extensions? }` in that order. */
export function buildPaymentRequired(input: PaymentRequiredInput): PaymentRequired {
  if (input.accepts.length === 0) {
    throw new TollgateError('invalid_options', 'A PaymentRequired needs at least one payment option in accepts.', {
      path: 'accepts',
      expected: 'at least one payment option',
    })
  }
  return {
    x402Version: 2,
    ...(input.error === undefined ? {} : { error: input.error }),
    resource: resourceInfo(input.resource),
    accepts: input.accepts,
    ...(input.extensions === undefined ? {} : { extensions: input.extensions }),
  }
}

/**
 * The offer in v1 shape, or undefined when v1 cannot express it: its scheme says v1 has no form for it (`scheme`,
 * else the registered one), or it lacks amount, asset or payTo, or its network has no v1 name.
 */
export function toV1Requirements(req: PaymentRequirements, resource: ResourceInfo, scheme?: Scheme): PaymentRequirementsV1 | undefined {
  const v1Form = (scheme ?? schemeFor(req.scheme, req.network))?.v1
  if (v1Form !== undefined && !v1Form(req)) return undefined
  const network = toV1Network(req.network)
  if (network === undefined || !isText(req.amount) || !isText(req.asset) || !isText(req.payTo)) return undefined
  const v1: PaymentRequirementsV1 = {
    scheme: req.scheme,
    network,
    maxAmountRequired: req.amount,
    asset: req.asset,
    payTo: req.payTo,
    resource: resource.url,
    description: resource.description ?? '',
    mimeType: resource.mimeType ?? '',
    maxTimeoutSeconds: req.maxTimeoutSeconds ?? DEFAULT_MAX_TIMEOUT_SECONDS,
  }
  if (req.extra !== undefined) v1.extra = { ...req.extra }
  return v1
}

/** The v1 402 body for the same offers; those v1 cannot express are left out. */
export function toV1Body(paymentRequired: PaymentRequired, error: string): PaymentRequiredV1 {
  const accepts: PaymentRequirementsV1[] = []
  for (const req of paymentRequired.accepts) {
    const v1 = toV1Requirements(req, paymentRequired.resource)
    if (v1) accepts.push(v1)
  }
  return { x402Version: 1, error, accepts }
}

/**
 * The offer a v2 proof's `accepted` is for: same scheme and network, and the same value for every other text field
 * the offer states (amount, asset, payee, plan; addresses in any case). The proof must also name the fields its
 * scheme requires (`acceptedFields`: amount, asset and payTo for token schemes).
 */
export function matchAccepted(accepted: PaymentRequirements, offers: readonly PaymentRequirements[]): PaymentRequirements | undefined {
  if (typeof accepted !== 'object' || accepted === null) return undefined
  const required = schemeFor(accepted.scheme, accepted.network)?.acceptedFields
  if (required !== undefined && !required.every((field) => isText(accepted[field]))) return undefined
  return offers.find((offer) => offer.scheme === accepted.scheme && offer.network === accepted.network && sameTerms(offer, accepted))
}

/** Every text field the offer states, other than scheme and network, has the same value in the proof. */
function sameTerms(offer: PaymentRequirements, accepted: PaymentRequirements): boolean {
  for (const key in offer) {
    const value = offer[key]
    if (typeof value !== 'string' || key === 'scheme' || key === 'network') continue
    const other = accepted[key]
    if (value !== other && !(HEX_ADDRESS.test(value) && sameAddress(value, other))) return false
  }
  return true
}

/** The offer a v1 proof is for: same scheme, and the offer's network has the payload's v1 name. */
export function matchV1(payload: PaymentPayloadV1, offers: readonly PaymentRequirements[]): PaymentRequirements | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined
  return offers.find(
    (offer) =>
      offer.scheme === payload.scheme &&
      toV1Network(offer.network) === payload.network &&
      // Only offers v1 can express were shown to the client.
      isText(offer.amount) &&
      isText(offer.asset) &&
      isText(offer.payTo),
  )
}

/** A short name for an option in error messages: `exact on eip155:84532 to 0x3C44...`, `nvm:erc4337 plan 123 on ...`. */
export function describeOption(option: PaymentOption): string {
  return option.scheme?.describe?.(option.requirements) ?? describeRequirements(option.requirements)
}

/** Identifies an offer in cache keys: its scheme, network, amount and the other text fields it states, and the URL. */
export function offerKey(requirements: PaymentRequirements, amount: string, url: string): string {
  let key = requirements.scheme + '|' + requirements.network + '|' + amount
  for (const name in requirements) {
    const value = requirements[name]
    if (typeof value === 'string' && name !== 'scheme' && name !== 'network' && name !== 'amount') key += '|' + name + '=' + value
  }
  return key + '|' + url
}

function resourceInfo(resource: ResourceInfo): ResourceInfo {
  const info: ResourceInfo = { url: resource.url }
  if (resource.description !== undefined) info.description = resource.description
  if (resource.mimeType !== undefined) info.mimeType = resource.mimeType
  return info
}

function sameAddress(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase()
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}
