// The slices of Permit2, the x402 proxies and a plain ERC-20 that the Permit2 payments call.
import { parseAbi } from 'viem'

export const ERC20_ABI = parseAbi([
  'function balanceOf(address account) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function approve(address spender, uint256 value) returns (bool)',
])

const PERMIT2_ERRORS = [
  'error SignatureExpired(uint256 signatureDeadline)',
  'error InvalidAmount(uint256 maxAmount)',
  'error InvalidNonce()',
  'error InvalidSignature()',
  'error InvalidSigner()',
  'error InvalidSignatureLength()',
  'error InvalidContractSignature()',
] as const

export const PERMIT2_ABI = parseAbi([
  'function nonceBitmap(address owner, uint256 wordPos) view returns (uint256)',
  'function DOMAIN_SEPARATOR() view returns (bytes32)',
  ...PERMIT2_ERRORS,
])

// The proxies' own errors, and Permit2's bubbled up through them.
const PROXY_ERRORS = [
  'error InvalidOwner()',
  'error InvalidDestination()',
  'error PaymentTooEarly()',
  'error ReentrancyGuardReentrantCall()',
  'error Permit2612AmountMismatch()',
  ...PERMIT2_ERRORS,
] as const

export const UPTO_PROXY_ABI = parseAbi([
  'struct TokenPermissions { address token; uint256 amount; }',
  'struct PermitTransferFrom { TokenPermissions permitted; uint256 nonce; uint256 deadline; }',
  'struct Witness { address to; address facilitator; uint256 validAfter; }',
  'function settle(PermitTransferFrom permit, uint256 amount, address owner, Witness witness, bytes signature)',
  'struct EIP2612Permit { uint256 value; uint256 deadline; bytes32 r; bytes32 s; uint8 v; }',
  'function settleWithPermit(EIP2612Permit permit2612, PermitTransferFrom permit, uint256 amount, address owner, Witness witness, bytes signature)',
  'function PERMIT2() view returns (address)',
  'error AmountExceedsPermitted()',
  'error UnauthorizedFacilitator()',
  ...PROXY_ERRORS,
])

export const EXACT_PROXY_ABI = parseAbi([
  'struct TokenPermissions { address token; uint256 amount; }',
  'struct PermitTransferFrom { TokenPermissions permitted; uint256 nonce; uint256 deadline; }',
  'struct Witness { address to; uint256 validAfter; }',
  'function settle(PermitTransferFrom permit, address owner, Witness witness, bytes signature)',
  'struct EIP2612Permit { uint256 value; uint256 deadline; bytes32 r; bytes32 s; uint8 v; }',
  'function settleWithPermit(EIP2612Permit permit2612, PermitTransferFrom permit, address owner, Witness witness, bytes signature)',
  'function PERMIT2() view returns (address)',
  'error InvalidAmount()',
  ...PROXY_ERRORS,
])

/** An ERC-20 with EIP-2612 `permit`, and `approve` as a sponsored approval calls it (permit2-sponsor.ts). */
export const ERC20_PERMIT_ABI = parseAbi([
  'function nonces(address owner) view returns (uint256)',
  'function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)',
  'function approve(address spender, uint256 value) returns (bool)',
])
