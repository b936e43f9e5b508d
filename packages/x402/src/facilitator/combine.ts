// One facilitator per scheme behind one interface, so that a route can accept Nevermined credits and USDC at
// once: createPaywall takes a single facilitator, and this one dispatches on the offer's scheme.
import { TollgateError } from '../errors.js'
import type { Facilitator, PaymentKind } from './types.js'

/** Scheme (`exact`, `nvm:erc4337`, ...) -> the facilitator that handles it. */
export type FacilitatorsByScheme = Record<string, Facilitator>

export function combineFacilitators(byScheme: FacilitatorsByScheme): Facilitator {
  const entries = Object.entries(byScheme ?? {})
  if (entries.length === 0) {
    throw new TollgateError('invalid_options', 'combineFacilitators: give at least one scheme -> facilitator.', {
      path: 'byScheme',
      expected: "{ exact: localFacilitator(...), 'nvm:erc4337': nevermined(...) }",
    })
  }
  for (const [scheme, facilitator] of entries) {
    if (!facilitator || typeof facilitator.verify !== 'function' || typeof facilitator.settle !== 'function') {
      throw new TollgateError('invalid_options', `combineFacilitators: "${scheme}" is not a Facilitator.`, {
        path: `byScheme["${scheme}"]`,
        expected: 'an object with verify() and settle()',
      })
    }
  }
  const pick = (scheme: string): Facilitator => {
    const facilitator = byScheme[scheme]
    if (!facilitator) {
      throw new TollgateError('facilitator_error', `No facilitator handles the scheme "${scheme}".`, { scheme, expected: Object.keys(byScheme).join(', ') })
    }
    return facilitator
  }
  return {
    perRequestVerification: entries.some(([, facilitator]) => facilitator.perRequestVerification === true),
    name: `combined(${entries.map(([scheme, f]) => `${scheme}:${f.name ?? 'facilitator'}`).join(',')})`,
    verify: (request, signal) => pick(request.requirements.scheme).verify(request, signal),
    settle: (request, signal) => pick(request.requirements.scheme).settle(request, signal),
    // What the facilitator of the kind's scheme adds to its offers (upto: its facilitatorAddress).
    offerExtra: (kind) => byScheme[kind.scheme]?.offerExtra?.(kind),
    async supported(signal) {
      const kinds: PaymentKind[] = []
      for (const [scheme, facilitator] of entries) {
        if (!facilitator.supported) continue
        for (const kind of await facilitator.supported(signal)) if (kind.scheme === scheme) kinds.push(kind)
      }
      return kinds
    },
  }
}
