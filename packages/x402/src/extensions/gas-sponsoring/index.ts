// Gasless Permit2 for a route (docs/extensions.md, gasless Permit2): the route declares that its facilitator submits a
// payer's EIP-2612 permit (eip2612GasSponsoring) or signed approval (erc20ApprovalGasSponsoring) with the transfer,
// so that a buyer holding no ETH pays its Permit2 offers. The facilitator does the work; the route declares it and
// refuses a malformed info before anything is charged.
import { TollgateError } from '../../errors.js'
import type { Facilitator } from '../../facilitator/types.js'
import type { DeclareContext, Extension, RouteToCheck } from '../contract.js'
import { EIP2612_GAS_SPONSORING, ERC20_APPROVAL_GAS_SPONSORING, gasSponsoringDeclaration, readSponsoringInfo, type GasSponsoringKey } from './wire.js'

export * from './wire.js'

/**
 * eip2612GasSponsoring for a route's `extensions`: a payer without Permit2 allowance on a token with EIP-2612
 * `permit` signs the permit; the facilitator (localFacilitator, or one that lists the extension) submits it.
 */
export function eip2612GasSponsoring(): Extension {
  return sponsoring(EIP2612_GAS_SPONSORING)
}

/**
 * erc20ApprovalGasSponsoring for a route's `extensions`: a payer on a token without EIP-2612 signs
 * `approve(Permit2, ...)`; the facilitator funds its gas and broadcasts it before the transfer. localFacilitator
 * does so only with its `approvalSponsoring` option (the gas it gives away is capped there).
 */
export function erc20ApprovalGasSponsoring(): Extension {
  return sponsoring(ERC20_APPROVAL_GAS_SPONSORING)
}

function sponsoring(key: GasSponsoringKey): Extension {
  const declaration = gasSponsoringDeclaration(key)
  return {
    key,
    // Only a route with a Permit2 offer on an EVM chain has an approval to sponsor.
    declare: (context: DeclareContext) => (context.accepts.some(isPermit2Offer) ? declaration : undefined),
    checkFacilitator: (route: RouteToCheck, facilitator: Facilitator) => checkFacilitator(key, route, facilitator),
    readPayment(value) {
      const read = readSponsoringInfo(key, value)
      if (read && 'problem' in read) {
        const { path, expected } = read.problem
        throw new TollgateError('invalid_extension', `The payment's ${path} is invalid; expected ${expected}. Nothing was charged.`, { path, expected })
      }
      return undefined
    },
  }
}

/** The facilitator must submit what the payer signs: a route declaring it to a facilitator that says it does not is refused. */
function checkFacilitator(key: GasSponsoringKey, { key: route, options }: RouteToCheck, facilitator: Facilitator): void {
  for (const offer of options.map((option) => option.requirements).filter(isPermit2Offer)) {
    const handled = facilitator.supportedExtensions?.({ scheme: offer.scheme, network: offer.network })
    if (!handled || handled.includes(key)) continue // not known (a /supported not read yet): nothing to say
    const name = facilitator.name ? `its facilitator "${facilitator.name}"` : 'its facilitator'
    const hint = key === ERC20_APPROVAL_GAS_SPONSORING ? ' (localFacilitator funds approvals only with its approvalSponsoring option)' : ''
    throw new TollgateError(
      'invalid_options',
      `createPaywall: routes["${route}"] declares ${key}, but ${name} does not handle it for ${offer.scheme} on ${offer.network}${hint}; it handles ${handled.length ? handled.join(', ') : 'no extension'}. Remove it from the route's extensions, or use a facilitator that lists it.`,
      { path: `routes["${route}"].extensions`, expected: `extensions its facilitator handles: ${handled.join(', ') || 'none'}` },
    )
  }
}

/** An `upto` offer, or an `exact` one paid through Permit2, on an EVM network. */
export function isPermit2Offer(offer: { scheme: string; network: string; extra?: Record<string, unknown> }): boolean {
  if (!offer.network.startsWith('eip155:')) return false
  return offer.scheme === 'upto' || (offer.scheme === 'exact' && offer.extra?.assetTransferMethod === 'permit2')
}
