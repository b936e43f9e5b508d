// The EVM `upto` scheme (Permit2), as the engine sees it: the payer authorises a maximum, the handler charges what
// the request used (nothing until it does), settle carries the charged amount in the offer, and a request that
// charged nothing gets a receipt saying so. x402 v2 only; the offer must name the facilitator that settles it.
import { TollgateError } from '../../errors.js'
import type { Scheme } from '../contract.js'
import { registerScheme } from '../registry.js'
import { evmPayer, evmReplay } from '../evm-exact/payload.js'
import { describeEvmPayment, EVM_ACCEPTED_FIELDS } from '../evm-exact/scheme.js'

export const evmUpto: Scheme = registerScheme({
  name: 'evm-upto',
  schemes: ['upto'],
  networks: ['eip155:*'],
  charge: 'usage',
  acceptedFields: EVM_ACCEPTED_FIELDS,
  payer: evmPayer,
  replay: evmReplay,
  v1: () => false,
  // The spec's phase-dependent `amount`: verify sees the maximum, settle the amount charged.
  settleRequirements: (requirements, amount) => ({ ...requirements, amount }),
  zeroReceipt: (network) => ({ success: true, transaction: '', network, amount: '0' }),
  describePayment: describeEvmPayment,
  // The payer's permit names the facilitator that may settle it, so the offer must say which one.
  checkOffer(requirements, { facilitator, path }) {
    if (typeof requirements.extra?.facilitatorAddress === 'string') return
    throw new TollgateError(
      'invalid_payment_option',
      `${path}: an upto offer must name the facilitator that settles it; ${facilitator} names none: give upto({ facilitatorAddress }) or a facilitator that settles upto (localFacilitator, combineFacilitators({ upto })).`,
      { path: `${path}.facilitatorAddress`, expected: 'the settling facilitator address' },
    )
  },
})
