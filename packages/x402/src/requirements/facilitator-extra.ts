// What a facilitator adds to its offers before they are shown: an upto permit names the facilitator that may settle
// it, so the offer must say which one (`extra.facilitatorAddress`). Done once, when the paywall is created.
import { TollgateError } from '../errors.js'
import type { Facilitator } from '../facilitator/types.js'
import type { PaymentOption } from './types.js'

/** The option with the facilitator's keys merged under its own `extra` (the option's own keys win). */
export function withFacilitatorExtra(option: PaymentOption, facilitator: Facilitator, path: string, method?: string): PaymentOption {
  const { requirements } = option
  const added = facilitator.offerExtra?.({ scheme: requirements.scheme, network: requirements.network, ...(method === undefined ? {} : { method }) })
  const bound = added ? { ...option, requirements: Object.freeze({ ...requirements, extra: Object.freeze({ ...added, ...requirements.extra }) }) } : option
  if (requirements.scheme === 'upto' && typeof bound.requirements.extra?.facilitatorAddress !== 'string') {
    throw new TollgateError(
      'invalid_payment_option',
      `${path}: an upto offer must name the facilitator that settles it; ${facilitator.name ?? 'this facilitator'} names none: give upto({ facilitatorAddress }) or a facilitator that settles upto (localFacilitator, combineFacilitators({ upto })).`,
      { path: `${path}.facilitatorAddress`, expected: 'the settling facilitator address' },
    )
  }
  return added ? Object.freeze(bound) : option
}
