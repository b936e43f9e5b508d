// The EVM `batch-settlement` scheme, as the engine sees it: payments on a channel the buyer funded once, checked by
// the seller itself (`local`: engine/local-gate.ts runs it), never single-use in the engine's sense (the channel's
// cumulative count is the replay guard), and x402 v2 only.
import type { PaymentRequirements } from '../../codec/types.js'
import { localGate } from '../../engine/local-gate.js'
import { BATCH_SETTLEMENT_SCHEME } from '../../evm/batch-settlement/constants.js'
import type { ChargeRule, Scheme } from '../contract.js'
import { registerScheme } from '../registry.js'
import { describeEvmPayment, EVM_ACCEPTED_FIELDS } from '../evm-exact/scheme.js'
import { invalidOption } from '../option-checks.js'
import { createBegin, type LocalSettings } from './local.js'
import { batchPayer, readBatchPayload } from './payload.js'

/** What every batch-settlement option shares; each option adds its own `local` (its receiver signer) and charge rule. */
export const evmBatchSettlement: Scheme = registerScheme({
  name: 'evm-batch-settlement',
  schemes: [BATCH_SETTLEMENT_SCHEME],
  networks: ['eip155:*'],
  acceptedFields: EVM_ACCEPTED_FIELDS,
  payer: batchPayer,
  replay: () => undefined,
  checkPayload(proof) {
    const read = readBatchPayload(proof)
    return read.ok ? undefined : read.reason
  },
  v1: () => false,
  // Nothing charged, nothing recorded: the receipt says so (the buyer's count stays where it was).
  zeroReceipt: (network) => ({ success: true, transaction: '', network, amount: '', extra: { chargedAmount: '0' } }),
  describePayment: describeEvmPayment,
  describe: (requirements) => `batch-settlement on ${requirements.network} to ${requirements.payTo}`,
  checkOffer(requirements: PaymentRequirements, { facilitator, path }) {
    if (typeof requirements.extra?.receiverAuthorizer !== 'string') {
      throw invalidOption(
        `${path}.receiverAuthorizer`,
        `batchSettlement() needs a receiverAuthorizer: give one (an address, or an account that signs) or use a facilitator that names its own (${facilitator} does not).`,
        'an address or a signing account',
      )
    }
  },
})

/** The scheme of one option: the shared rules, its charge rule, its local check with its own settings, its claims. */
export function batchSchemeFor(charge: ChargeRule, settings: LocalSettings, start?: Scheme['start']): Scheme {
  return Object.freeze({ ...evmBatchSettlement, charge, local: Object.freeze({ begin: createBegin(settings), gate: localGate }), ...(start ? { start } : {}) })
}
