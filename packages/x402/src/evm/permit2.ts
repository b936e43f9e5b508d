// Permit2 payments on EVM: the `upto` scheme and `exact` with assetTransferMethod "permit2". Their payload shape,
// the EIP-712 typed data the payer signs (Permit2's PermitWitnessTransferFrom with an x402 witness), the
// contracts' addresses and the reason strings, as the x402 specification and the reference name them.
import * as v from 'valibot'
import { getAddress, type Address, type Hex, type TypedDataDefinition } from 'viem'
import { firstProblem } from '../codec/validate.js'
import type { PaymentRequirements } from '../codec/types.js'

export const UPTO_SCHEME = 'upto'
/** `requirements.extra.assetTransferMethod` of an `exact` offer paid through Permit2. */
export const PERMIT2_TRANSFER_METHOD = 'permit2'

/** Uniswap's Permit2, at the same address on every chain (CREATE2). */
export const PERMIT2_ADDRESS: Address = '0x000000000022D473030F116dDEE9F6B43aC78BA3'
/** The x402 proxy that settles `exact` Permit2 payments (the spender the payer signs for). */
export const X402_EXACT_PERMIT2_PROXY: Address = '0x402085c248EeA27D92E8b30b2C58ed07f9E20001'
/** The x402 proxy that settles `upto` payments: any amount up to the signed maximum, sent by the named facilitator. */
export const X402_UPTO_PERMIT2_PROXY: Address = '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002'

/** Reason strings of the Permit2 payments, as the reference facilitator spells them. */
export const PERMIT2_REASONS = {
  invalidPayload: 'invalid_permit2_payload',
  uptoScheme: 'invalid_upto_evm_scheme',
  uptoNetwork: 'invalid_upto_evm_network_mismatch',
  spender: 'invalid_permit2_spender',
  recipientMismatch: 'invalid_permit2_recipient_mismatch',
  facilitatorMismatch: 'upto_facilitator_mismatch',
  deadlineExpired: 'permit2_deadline_expired',
  notYetValid: 'permit2_not_yet_valid',
  amountMismatch: 'permit2_amount_mismatch',
  tokenMismatch: 'permit2_token_mismatch',
  signature: 'invalid_permit2_signature',
  allowanceRequired: 'permit2_allowance_required',
  insufficientBalance: 'permit2_insufficient_balance',
  simulationFailed: 'permit2_simulation_failed',
  proxyNotDeployed: 'permit2_proxy_not_deployed',
  nonceUsed: 'permit2_invalid_nonce',
  settlementExceedsAmount: 'invalid_upto_evm_payload_settlement_exceeds_amount',
  transactionFailed: 'invalid_upto_evm_transaction_failed',
  partialSettlement: 'partial_settlement_unsupported',
} as const

/** Seconds a permit must still be valid for when verified: room to get it mined (as for EIP-3009). */
export const DEADLINE_MARGIN_SECONDS = 6

const TOKEN_PERMISSIONS = [
  { name: 'token', type: 'address' },
  { name: 'amount', type: 'uint256' },
] as const
const PERMIT_WITNESS_TRANSFER_FROM = [
  { name: 'permitted', type: 'TokenPermissions' },
  { name: 'spender', type: 'address' },
  { name: 'nonce', type: 'uint256' },
  { name: 'deadline', type: 'uint256' },
  { name: 'witness', type: 'Witness' },
] as const

/** `exact` over Permit2: the witness binds the recipient and the start of the window. */
export const EXACT_PERMIT2_WITNESS_TYPES = {
  PermitWitnessTransferFrom: PERMIT_WITNESS_TRANSFER_FROM,
  TokenPermissions: TOKEN_PERMISSIONS,
  Witness: [
    { name: 'to', type: 'address' },
    { name: 'validAfter', type: 'uint256' },
  ],
} as const

/** `upto`: the witness also names the one facilitator allowed to settle (and so to choose the amount). */
export const UPTO_PERMIT2_WITNESS_TYPES = {
  PermitWitnessTransferFrom: PERMIT_WITNESS_TRANSFER_FROM,
  TokenPermissions: TOKEN_PERMISSIONS,
  Witness: [
    { name: 'to', type: 'address' },
    { name: 'facilitator', type: 'address' },
    { name: 'validAfter', type: 'uint256' },
  ],
} as const

/** What the payer signed, as it travels: numbers are decimal strings. */
export interface Permit2Authorization {
  from: Address
  permitted: { token: Address; amount: string }
  /** The x402 proxy allowed to spend the permit. */
  spender: Address
  /** Permit2's unordered nonce (a uint256; word = nonce >> 8, bit = nonce & 255). */
  nonce: string
  /** Unix seconds after which Permit2 refuses the permit. */
  deadline: string
  /** `facilitator` for upto only. */
  witness: { to: Address; validAfter: string; facilitator?: Address }
}

/** `payload` of an upto or Permit2 exact PaymentPayload. */
export interface Permit2Payload {
  signature: Hex
  permit2Authorization: Permit2Authorization
}

/** Which of the two a payment is: they differ in proxy, witness and whether the amount can be lowered. */
export type Permit2Kind = 'upto' | 'exact'

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})+$/
const UINT_TEXT = /^(?:0|[1-9][0-9]{0,77}|0x[0-9a-fA-F]{1,64})$/
const UINT256_MAX = (1n << 256n) - 1n

const address = v.pipe(v.string('a 0x-prefixed 20-byte address'), v.regex(ADDRESS, 'a 0x-prefixed 20-byte address'))
const uint256 = v.pipe(
  v.string('a uint256 as a decimal string'),
  v.check((text) => UINT_TEXT.test(text) && BigInt(text) <= UINT256_MAX, 'a uint256 as a decimal string'),
)

const permit2PayloadSchema = v.object({
  signature: v.pipe(v.string('a 0x-prefixed hex signature'), v.regex(HEX_BYTES, 'a 0x-prefixed hex signature')),
  permit2Authorization: v.object({
    from: address,
    permitted: v.object({ token: address, amount: uint256 }),
    spender: address,
    nonce: uint256,
    deadline: uint256,
    witness: v.object({ to: address, validAfter: uint256, facilitator: v.optional(address) }),
  }),
})

export type ParsedPermit2Payload = { ok: true; payload: Permit2Payload } | { ok: false; message: string }

/** Checks the shape of a Permit2 payload; the message names the first bad field. */
export function parsePermit2Payload(value: unknown, kind: Permit2Kind): ParsedPermit2Payload {
  const problem = firstProblem(permit2PayloadSchema, value)
  if (problem !== undefined) {
    const path = problem.path === '' ? 'payload' : `payload.${problem.path}`
    return { ok: false, message: `${path} is not valid: expected ${problem.expected}.` }
  }
  const payload = value as Permit2Payload
  if (kind === 'upto' && payload.permit2Authorization.witness.facilitator === undefined) {
    return { ok: false, message: 'payload.permit2Authorization.witness.facilitator is missing: an upto permit names the facilitator that settles it.' }
  }
  return { ok: true, payload }
}

/** The Permit2 kind an offer is paid with, or undefined for an EIP-3009 exact offer or another scheme. */
export function permit2KindOf(requirements: Pick<PaymentRequirements, 'scheme' | 'extra'>): Permit2Kind | undefined {
  if (requirements.scheme === UPTO_SCHEME) return 'upto'
  if (requirements.scheme === 'exact' && requirements.extra?.assetTransferMethod === PERMIT2_TRANSFER_METHOD) return 'exact'
  return undefined
}

/** The proxy a payer must name as spender for this kind. */
export function proxyFor(kind: Permit2Kind): Address {
  return kind === 'upto' ? X402_UPTO_PERMIT2_PROXY : X402_EXACT_PERMIT2_PROXY
}

/** The EIP-712 typed data a payer signs for a Permit2 payment, ready for viem. */
export function permit2TypedData(kind: Permit2Kind, chainId: number, authorization: Permit2Authorization): TypedDataDefinition {
  const { permitted, witness } = authorization
  const domain = { name: 'Permit2', chainId, verifyingContract: PERMIT2_ADDRESS }
  // Checksummed: viem refuses a mixed-case address whose checksum is wrong, and payers write either case.
  const base = {
    permitted: { token: getAddress(permitted.token.toLowerCase()), amount: BigInt(permitted.amount) },
    spender: getAddress(authorization.spender.toLowerCase()),
    nonce: BigInt(authorization.nonce),
    deadline: BigInt(authorization.deadline),
  }
  if (kind === 'upto') {
    return {
      domain,
      types: UPTO_PERMIT2_WITNESS_TYPES,
      primaryType: 'PermitWitnessTransferFrom' as const,
      message: {
        ...base,
        witness: { to: getAddress(witness.to.toLowerCase()), facilitator: getAddress((witness.facilitator as Address).toLowerCase()), validAfter: BigInt(witness.validAfter) },
      },
    }
  }
  return {
    domain,
    types: EXACT_PERMIT2_WITNESS_TYPES,
    primaryType: 'PermitWitnessTransferFrom' as const,
    message: { ...base, witness: { to: getAddress(witness.to.toLowerCase()), validAfter: BigInt(witness.validAfter) } },
  }
}
