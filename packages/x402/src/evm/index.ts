// @tollgate/x402/evm: the exact EVM scheme on viem. Verify and settle in-process, and sign as a payer.
// The anvil test harness is not exported here: import it from './anvil.js' (Node only).
export { localFacilitator, type LocalFacilitatorOptions } from './facilitator.js'
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
export { EIP3009_ABI } from './abi.js'
export { parseEip155Network, chainIdOfNetwork, caip2Network, v1NetworkName, V1_NETWORK_CHAIN_IDS } from './networks.js'
export { TEST_USDC_ABI, TEST_USDC_BYTECODE } from './test-usdc.artifact.js'
// The buyer's exact EVM payer for `wrapFetch` (@tollgate/x402/client); it lives here because it needs viem.
export { exactPayer, type ExactPayerOptions } from '../client/exact-payer.js'
