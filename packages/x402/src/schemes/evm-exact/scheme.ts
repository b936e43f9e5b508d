// The EVM `exact` scheme (EIP-3009, and Permit2 for any ERC-20), as the engine sees it: the amount offered is the
// amount settled, every payment is single-use, and v1 can carry the EIP-3009 form only.
import type { PaymentRequirements } from '../../codec/types.js'
import type { Scheme, SchemePaymentFields } from '../contract.js'
import { registerScheme } from '../registry.js'
import { evmPayer, evmReplay } from './payload.js'

/** A token proof must name what it pays, whom, in which token. */
export const EVM_ACCEPTED_FIELDS: readonly string[] = ['amount', 'asset', 'payTo']

/** The token paid with, for the handler's `ctx.payment.asset`. */
export function describeEvmPayment(requirements: PaymentRequirements, into: SchemePaymentFields): void {
  if (requirements.asset !== undefined) into.asset = requirements.asset
}

export const evmExact: Scheme = registerScheme({
  name: 'evm-exact',
  schemes: ['exact'],
  networks: ['eip155:*'],
  charge: 'fixed',
  acceptedFields: EVM_ACCEPTED_FIELDS,
  payer: evmPayer,
  replay: evmReplay,
  // Payments through Permit2 are x402 v2 only.
  v1: (requirements) => requirements.extra?.assetTransferMethod !== 'permit2',
  describePayment: describeEvmPayment,
})
