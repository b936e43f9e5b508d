// The `exact` EVM scheme: its payload shape, its EIP-712 typed data and its reason strings.
import * as v from 'valibot'
import type { Address, Hex } from 'viem'
import { firstProblem } from '../codec/validate.js'

export const EXACT_SCHEME = 'exact'

/** Reason strings of the exact EVM scheme, as the reference facilitator spells them. */
export const EXACT_EVM_REASONS = {
  invalidScheme: 'invalid_scheme',
  invalidNetwork: 'invalid_network',
  invalidVersion: 'invalid_x402_version',
  invalidPayload: 'invalid_exact_evm_payload',
  recipientMismatch: 'invalid_exact_evm_payload_recipient_mismatch',
  valueMismatch: 'invalid_exact_evm_payload_authorization_value_mismatch',
  validAfter: 'invalid_exact_evm_payload_authorization_valid_after',
  validBefore: 'invalid_exact_evm_payload_authorization_valid_before',
  signature: 'invalid_exact_evm_payload_signature',
  nonceUsed: 'nonce_already_used',
  insufficientFunds: 'insufficient_funds',
  transactionState: 'invalid_transaction_state',
  partialSettlement: 'partial_settlement_unsupported',
} as const

/** Seconds an authorization must still be valid for when verified: room to get it mined. */
export const VALID_BEFORE_MARGIN_SECONDS = 6

/** The fields EIP-3009's signed structs share (TransferWithAuthorization, ReceiveWithAuthorization). */
export const EIP3009_AUTHORIZATION_FIELDS = [
  { name: 'from', type: 'address' },
  { name: 'to', type: 'address' },
  { name: 'value', type: 'uint256' },
  { name: 'validAfter', type: 'uint256' },
  { name: 'validBefore', type: 'uint256' },
  { name: 'nonce', type: 'bytes32' },
] as const

/** EIP-3009's signed struct (the EIP-712 types; the domain type is implied). */
export const TRANSFER_WITH_AUTHORIZATION_TYPES = { TransferWithAuthorization: EIP3009_AUTHORIZATION_FIELDS } as const

/** The authorization as it travels: numbers are decimal strings, the nonce 32 bytes of hex. */
export interface ExactEvmAuthorization {
  from: Address
  to: Address
  value: string
  validAfter: string
  validBefore: string
  nonce: Hex
}

/** `payload` of an exact EVM PaymentPayload (v1 and v2 alike). */
export interface ExactEvmPayload {
  signature: Hex
  authorization: ExactEvmAuthorization
}

/** A 0x-prefixed 20-byte address, any case. */
export const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const BYTES32 = /^0x[0-9a-fA-F]{64}$/
const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})+$/
// uint256 as a decimal string: digits only, at most 78 of them (2^256 has 78), range checked below.
const UINT_DECIMAL = /^(?:0|[1-9][0-9]{0,77})$/
const UINT256_MAX = (1n << 256n) - 1n

const hexString = (pattern: RegExp, expected: string) => v.pipe(v.string(expected), v.regex(pattern, expected))
const address = hexString(ADDRESS, 'a 0x-prefixed 20-byte address')
// One check, not two: BigInt() throws on text the pattern refused.
const uint256String = v.pipe(
  v.string('a decimal integer string from 0 to 2^256 - 1'),
  v.check((text) => UINT_DECIMAL.test(text) && BigInt(text) <= UINT256_MAX, 'a decimal integer string from 0 to 2^256 - 1'),
)

const exactEvmPayloadSchema = v.object({
  signature: hexString(HEX_BYTES, 'a 0x-prefixed hex signature'),
  authorization: v.object({
    from: address,
    to: address,
    value: uint256String,
    validAfter: uint256String,
    validBefore: uint256String,
    nonce: hexString(BYTES32, 'a 0x-prefixed 32-byte hex nonce'),
  }),
})

export type ParsedExactEvmPayload =
  | { ok: true; payload: ExactEvmPayload }
  | { ok: false; message: string }

/** Checks the shape of an exact EVM payload; the message names the first bad field. */
export function parseExactEvmPayload(value: unknown): ParsedExactEvmPayload {
  const problem = firstProblem(exactEvmPayloadSchema, value)
  if (problem === undefined) return { ok: true, payload: value as ExactEvmPayload }
  const path = problem.path === '' ? 'payload' : `payload.${problem.path}`
  return { ok: false, message: `${path} is not valid: expected ${problem.expected}.` }
}

export interface ExactDomainInput {
  chainId: number
  /** The token contract (the EIP-712 verifyingContract). */
  asset: Address
  /** EIP-712 domain name of the token (`USDC` on Base Sepolia, `USD Coin` on Base). */
  name: string
  /** EIP-712 domain version of the token (`2` for USDC). */
  version: string
}

/** The EIP-712 typed data a payer signs for an authorization, ready for viem. */
export function transferWithAuthorizationTypedData(domain: ExactDomainInput, authorization: ExactEvmAuthorization) {
  return {
    domain: { name: domain.name, version: domain.version, chainId: domain.chainId, verifyingContract: domain.asset },
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: 'TransferWithAuthorization' as const,
    message: {
      from: authorization.from,
      to: authorization.to,
      value: BigInt(authorization.value),
      validAfter: BigInt(authorization.validAfter),
      validBefore: BigInt(authorization.validBefore),
      nonce: authorization.nonce,
    },
  }
}
