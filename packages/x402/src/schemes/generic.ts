// The rules for a payment option built by hand, without a scheme module: the registered scheme for its wire name
// and network when there is one, else the option's own `singleUse` flag and the engine's former defaults.
import type { PaymentOption } from '../requirements/types.js'
import type { Scheme } from './contract.js'
import { evmPayer, evmReplay } from './evm-exact/payload.js'
import { schemeFor } from './registry.js'

const SINGLE_USE: Scheme = { name: 'single-use', schemes: [], networks: [], payer: evmPayer, replay: evmReplay }
const REUSABLE: Scheme = { name: 'reusable', schemes: [], networks: [], payer: evmPayer, replay: () => undefined }

export function schemeOfOption(option: PaymentOption): Scheme {
  if (option.scheme) return option.scheme
  const { scheme, network } = option.requirements
  return schemeFor(scheme, network) ?? (option.singleUse ? SINGLE_USE : REUSABLE)
}
