// @tollgate/x402/evm: the exact and upto EVM schemes on viem. Verify and settle in-process, and sign as a payer.
// The anvil test harness is not exported here: import it from './anvil.js' (Node only).
export { localFacilitator, type LocalFacilitatorOptions } from './facilitator.js'
// batch-settlement, the facilitator side (issue 23): the seller's claim scheduler and the spec's reason strings.
export {
  BATCH_REASONS,
  claimScheduler,
  memoryClaimSource,
  type ClaimableChannel,
  type ClaimScheduler,
  type ClaimSchedulerEvent,
  type ClaimSchedulerOptions,
  type ClaimSource,
  type ClaimStrategy,
} from './batch-settlement/index.js'
export type {
  SettlementEvent,
  SettlementLost,
  SettlementRebroadcast,
  SettlementReorged,
  SettlementResettled,
  SettlerInsufficientFunds,
  SettlerLowBalance,
} from './settlement-events.js'
export {
  verifyExactSignature,
  recoverExactSigner,
  readExactTerms,
  type VerifyExactSignatureInput,
  type ExactTerms,
} from './verify.js'
export {
  createExactPayment,
  randomNonce,
  CLOCK_SKEW_SECONDS,
  type CreateExactPaymentOptions,
  type ExactPayment,
  type ExactPayerAccount,
} from './signer.js'
export {
  EXACT_SCHEME,
  EXACT_EVM_REASONS,
  VALID_BEFORE_MARGIN_SECONDS,
  TRANSFER_WITH_AUTHORIZATION_TYPES,
  parseExactEvmPayload,
  transferWithAuthorizationTypedData,
  type ExactEvmAuthorization,
  type ExactEvmPayload,
  type ExactDomainInput,
  type ParsedExactEvmPayload,
} from './scheme.js'
export {
  UPTO_SCHEME,
  PERMIT2_TRANSFER_METHOD,
  PERMIT2_ADDRESS,
  X402_EXACT_PERMIT2_PROXY,
  X402_UPTO_PERMIT2_PROXY,
  PERMIT2_REASONS,
  DEADLINE_MARGIN_SECONDS,
  EXACT_PERMIT2_WITNESS_TYPES,
  UPTO_PERMIT2_WITNESS_TYPES,
  parsePermit2Payload,
  permit2KindOf,
  permit2TypedData,
  type Permit2Authorization,
  type Permit2Payload,
  type Permit2Kind,
} from './permit2.js'
export { readPermit2Terms, checkPermit2Offline, recoverPermit2Signer, type Permit2Terms } from './permit2-verify.js'
export { createPermit2Payment, randomPermit2Nonce, type CreatePermit2PaymentOptions, type Permit2Payment } from './permit2-signer.js'
export { ensurePermit2Allowance, permit2Allowance, resolveApproval, MAX_UINT256, type Permit2Approval } from './permit2-approve.js'
export { ERC20_ABI, PERMIT2_ABI, UPTO_PROXY_ABI, EXACT_PROXY_ABI } from './permit2-abi.js'
// Gasless Permit2 (docs/extensions.md, gasless Permit2): localFacilitator's approvalSponsoring caps, and its refusal reasons.
export { SPONSOR_REASONS, type ApprovalSponsoringOptions } from './permit2-sponsor.js'
export { EIP3009_ABI } from './abi.js'
export { parseEip155Network, chainIdOfNetwork, caip2Network, v1NetworkName, V1_NETWORK_CHAIN_IDS } from './networks.js'
export { TEST_USDC_ABI, TEST_USDC_BYTECODE } from './test-usdc.artifact.js'
// The buyer's exact EVM payer for `wrapFetch` (@tollgate/x402/client); it lives here because it needs viem.
export { exactPayer, uptoPayer, type ExactPayerOptions, type UptoPayerOptions } from '../client/exact-payer.js'
export type { Permit2PayerOptions } from '../client/permit2-payer.js'
// The seller's batch-settlement option (channels: one deposit, a voucher per request, claims in batches).
export { batchSettlement, DEFAULT_WITHDRAW_DELAY, type BatchSettlementOptions } from '../schemes/evm-batch-settlement/options.js'
export type { BatchClaimsOptions } from '../schemes/evm-batch-settlement/claims.js'
export { readChannelRecord, type ChannelRecord } from '../schemes/evm-batch-settlement/channel-record.js'
export type { ReceiverSigner } from '../schemes/evm-batch-settlement/refund.js'
// The buyer's batch-settlement payer (channels: one deposit, a voucher per request), for `wrapFetch` and the MCP client.
export { batchPayer, type BatchPayer } from '../client/batch-payer.js'
export { DEFAULT_DEPOSIT_REQUESTS, type BatchPayerOptions } from '../client/batch-payer-options.js'
export type { RefundOptions, RefundResult } from '../client/batch-payer-refund.js'
export { memoryBuyerChannelStore, type BuyerChannel, type BuyerChannelStore } from '../client/batch-channel-store.js'
export { readChannel, type ChannelSnapshot } from './batch-settlement/channel-state.js'
