// @tollgate/x402/svm: the exact scheme on Solana with @solana/kit. The seller's option (`exact` for EVM and Solana
// networks alike, `svmExact`), the local facilitator (verify, co-sign as fee payer, send, confirm), the buyer's payer.
// LiteSVM (a Solana runtime in process) for tests and demos is at `@tollgate/x402/litesvm`.
export { exact, svmExact, type ExactOptions, type SvmExactOptions } from '../schemes/svm-exact/options.js'
export { svmExactScheme } from '../schemes/svm-exact/scheme.js'
export { localSvmFacilitator, type LocalSvmFacilitatorOptions } from './facilitator.js'
export { feePayerOf } from './fee-payer-of.js'
export type { SvmChain, ChainOutcome } from './chain.js'
export { rpcChain, type RpcChainOptions } from './rpc-chain.js'
export { decodeSvmTransaction, toBase58, type SvmTransaction, type SvmInstruction } from './wire.js'
export { associatedTokenAccount } from './accounts.js'
export { createPaymentTransaction, type PaymentTransactionInput } from './payment-transaction.js'
export {
  SVM_EXACT_REASONS,
  SOLANA_MAINNET,
  SOLANA_DEVNET,
  USDC_MINTS,
  TOKEN_PROGRAM,
  TOKEN_2022_PROGRAM,
  MEMO_PROGRAM,
  COMPUTE_BUDGET_PROGRAM,
  LIGHTHOUSE_PROGRAM,
  MAX_COMPUTE_UNIT_PRICE_MICROLAMPORTS,
  MAX_COMPUTE_UNIT_LIMIT,
} from './constants.js'
// The buyer's exact SVM payer for `wrapFetch` (@tollgate/x402/client); it lives here because it needs @solana/kit.
export { svmPayer, type SvmPayerOptions } from '../client/svm-payer.js'
