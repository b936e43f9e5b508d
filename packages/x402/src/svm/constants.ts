// The Solana facts the exact SVM scheme is built on: program ids, USDC mints, the spec's limits and refusal reasons
// (specs/schemes/exact/scheme_exact_svm.md of the x402 repository; the reasons as @x402/svm 2.27 spells them).

export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'
export const ASSOCIATED_TOKEN_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL'
export const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111'
export const MEMO_PROGRAM = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr'
/** Wallet-injected protection (Phantom adds one instruction, Solflare two): the spec allows it. */
export const LIGHTHOUSE_PROGRAM = 'L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95'

export const SOLANA_MAINNET = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'
export const SOLANA_DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'

/** USDC's mint per network (Circle's), 6 decimals. */
export const USDC_MINTS: Readonly<Record<string, string>> = Object.freeze({
  [SOLANA_MAINNET]: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
  [SOLANA_DEVNET]: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
})
export const USDC_DECIMALS = 6

/** Instruction discriminators: ComputeBudget SetComputeUnitLimit / SetComputeUnitPrice, SPL Token TransferChecked. */
export const SET_COMPUTE_UNIT_LIMIT = 2
export const SET_COMPUTE_UNIT_PRICE = 3
export const TRANSFER_CHECKED = 12

/** The spec's cap on the priority fee: 5 lamports per compute unit. */
export const MAX_COMPUTE_UNIT_PRICE_MICROLAMPORTS = 5_000_000n
/** Our cap on the compute units a buyer may ask the fee payer to pay for (a transfer and a memo use ~10k). */
export const MAX_COMPUTE_UNIT_LIMIT = 200_000
/** What the buyer asks for: enough for TransferChecked and a memo, at the lowest priority fee. */
export const DEFAULT_COMPUTE_UNIT_LIMIT = 20_000
export const DEFAULT_COMPUTE_UNIT_PRICE_MICROLAMPORTS = 1n
/** `extra.memo` at most this many bytes (spec). */
export const MAX_MEMO_BYTES = 256
/** How long a transaction is remembered as settled: twice a blockhash's lifetime (spec: 120 s). */
export const SETTLED_MEMORY_MS = 120_000

/** Why a Solana payment is refused: the x402 reasons, as the reference spells them. */
export const SVM_EXACT_REASONS = Object.freeze({
  unsupportedScheme: 'invalid_exact_svm_unsupported_scheme',
  networkMismatch: 'invalid_exact_svm_network_mismatch',
  missingFeePayer: 'invalid_exact_svm_payload_missing_fee_payer',
  feePayerNotManaged: 'invalid_exact_svm_fee_payer_not_managed_by_facilitator',
  feePayerMismatch: 'invalid_exact_svm_fee_payer_mismatch',
  invalidTransaction: 'invalid_exact_svm_payload_transaction',
  undecodable: 'invalid_exact_svm_payload_transaction_could_not_be_decoded',
  signatureInvalid: 'invalid_exact_svm_payload_signature_invalid',
  excessiveSigners: 'invalid_exact_svm_payload_excessive_signers',
  instructionsLength: 'invalid_exact_svm_payload_transaction_instructions_length',
  computeLimit: 'invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction',
  computeLimitTooHigh: 'invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction_too_high',
  computePrice: 'invalid_exact_svm_payload_transaction_instructions_compute_price_instruction',
  computePriceTooHigh: 'invalid_exact_svm_payload_transaction_instructions_compute_price_instruction_too_high',
  noTransfer: 'invalid_exact_svm_payload_no_transfer_instruction',
  unknownOptional: 'invalid_exact_svm_payload_unknown_optional_instruction',
  feePayerTransferring: 'invalid_exact_svm_payload_transaction_fee_payer_transferring_funds',
  mintMismatch: 'invalid_exact_svm_payload_mint_mismatch',
  recipientMismatch: 'invalid_exact_svm_payload_recipient_mismatch',
  amountMismatch: 'invalid_exact_svm_payload_amount_mismatch',
  memoCount: 'invalid_exact_svm_payload_memo_count',
  memoMismatch: 'invalid_exact_svm_payload_memo_mismatch',
  simulationFailed: 'invalid_exact_svm_transaction_simulation_failed',
  transactionFailed: 'invalid_exact_svm_transaction_failed',
  verificationFailed: 'invalid_exact_svm_verification_failed',
  duplicateSettlement: 'duplicate_settlement',
})
