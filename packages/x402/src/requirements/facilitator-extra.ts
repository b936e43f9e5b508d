// What a facilitator adds to its offers before they are shown (`offerExtra`, such as the address that settles, or
// Nevermined's httpVerb from the route's method), and the scheme's check of the result. Done once, when the paywall
// is created; the option leaves with its scheme set, and its scheme's service started (schemes/contract.ts `start`).
import type { Facilitator } from '../facilitator/types.js'
import type { ServiceDeps } from '../schemes/contract.js'
import { schemeOfOption } from '../schemes/generic.js'
import type { PaymentOption } from './types.js'

/** The option with the facilitator's keys merged under its own `extra` (the option's own keys win), and its scheme. */
export function withFacilitatorExtra(option: PaymentOption, facilitator: Facilitator, path: string, method: string | undefined, deps: ServiceDeps): PaymentOption {
  const { requirements } = option
  const scheme = schemeOfOption(option)
  const added = facilitator.offerExtra?.({ scheme: requirements.scheme, network: requirements.network, ...(method === undefined ? {} : { method }) })
  const bound = added ? Object.freeze({ ...requirements, extra: Object.freeze({ ...added, ...requirements.extra }) }) : requirements
  scheme.checkOffer?.(bound, { facilitator: facilitator.name ?? 'this facilitator', path })
  scheme.start?.(bound, deps)
  return added || option.scheme !== scheme ? Object.freeze({ ...option, requirements: bound, scheme }) : option
}
