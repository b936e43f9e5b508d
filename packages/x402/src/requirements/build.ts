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
import { parseAtomic } from './money.js'
import { toV1Network } from './networks.js'
import type { PaymentOption } from './types.js'

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
 * The offer in v1 shape, or undefined when v1 cannot express it: it needs amount, asset and payTo, and a
 * network that has a v1 name.
 */
export function toV1Requirements(req: PaymentRequirements, resource: ResourceInfo): PaymentRequirementsV1 | undefined {
  // upto and Permit2 payments are x402 v2 only.
  if (req.scheme === 'upto' || req.extra?.assetTransferMethod === 'permit2') return undefined
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
 * The offer a v2 proof's `accepted` is for: same scheme and network, and the same amount, asset, payTo and
 * planId wherever the offer has them (addresses in any case). An `exact` or `upto` proof must name all three of
 * amount, asset and payTo.
 */
export function matchAccepted(accepted: PaymentRequirements, offers: readonly PaymentRequirements[]): PaymentRequirements | undefined {
  if (typeof accepted !== 'object' || accepted === null) return undefined
  if ((accepted.scheme === 'exact' || accepted.scheme === 'upto') && !(isText(accepted.amount) && isText(accepted.asset) && isText(accepted.payTo))) return undefined
  return offers.find(
    (offer) =>
      offer.scheme === accepted.scheme &&
      offer.network === accepted.network &&
      (offer.amount === undefined || offer.amount === accepted.amount) &&
      (offer.planId === undefined || offer.planId === accepted.planId) &&
      (offer.asset === undefined || sameAddress(offer.asset, accepted.asset)) &&
      (offer.payTo === undefined || sameAddress(offer.payTo, accepted.payTo)),
  )
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

/** A short name for an option in error messages: `exact on eip155:84532 to 0x3C44...`, `nvm:erc4337 plan 123`. */
export function describeOption(option: PaymentOption): string {
  const { scheme, network, payTo, planId } = option.requirements
  if (planId !== undefined) return `${scheme} plan ${planId} on ${network}`
  return payTo === undefined ? `${scheme} on ${network}` : `${scheme} on ${network} to ${payTo}`
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
