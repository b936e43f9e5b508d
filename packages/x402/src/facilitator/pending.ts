// The x402 spec's `settlement_pending`: a settle call whose transaction went out but had no receipt before the
// facilitator's deadline. It is a `success: false` answer that names the transaction: the money may still move,
// so the payment is neither refused nor settled yet. Asking `settle` again with the same payment (and the hash as
// `pendingTransaction`) reconciles it against that transaction instead of sending a second one.
import type { SettleResult } from './types.js'

/** The spec's reason for a settlement whose transaction is out without a receipt yet. */
export const SETTLEMENT_PENDING = 'settlement_pending'

/** A `settlement_pending` answer that names its transaction (one without a hash cannot be reconciled). */
export function isSettlementPending(result: SettleResult): boolean {
  return result.success === false && result.errorReason === SETTLEMENT_PENDING && typeof result.transaction === 'string' && result.transaction !== ''
}

/** The `settlement_pending` answer naming `transaction` (a hash, or a Solana signature): the EVM and Solana paths'. */
export function pendingResult(transaction: string, network: string, payer: string | undefined, errorMessage: string): SettleResult {
  return { success: false, errorReason: SETTLEMENT_PENDING, errorMessage, transaction, network, ...(payer === undefined ? {} : { payer }) }
}
