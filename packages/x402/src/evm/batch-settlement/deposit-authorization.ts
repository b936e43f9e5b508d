// The payer's deposit authorizations and the `collectorData` each deposit collector decodes: ERC-3009
// ReceiveWithAuthorization to the ERC-3009 collector (nonce bound to the channel), or a Permit2 witness transfer
// whose spender is the Permit2 collector and whose witness is the channel id.
import { encodeAbiParameters, getAddress, keccak256, type Address, type Hex } from 'viem'
import { PERMIT2_ADDRESS } from '../permit2.js'
import { EIP3009_AUTHORIZATION_FIELDS } from '../scheme.js'
import { ERC3009_DEPOSIT_COLLECTOR_ADDRESS, PERMIT2_DEPOSIT_COLLECTOR_ADDRESS } from './constants.js'

export const RECEIVE_WITH_AUTHORIZATION_TYPES = { ReceiveWithAuthorization: EIP3009_AUTHORIZATION_FIELDS } as const

export const DEPOSIT_WITNESS_TYPES = {
  PermitWitnessTransferFrom: [
    { name: 'permitted', type: 'TokenPermissions' },
    { name: 'spender', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
    { name: 'witness', type: 'DepositWitness' },
  ],
  TokenPermissions: [
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint256' },
  ],
  DepositWitness: [{ name: 'channelId', type: 'bytes32' }],
} as const

export interface Erc3009DepositTerms {
  payer: Address
  amount: bigint
  validAfter: bigint
  validBefore: bigint
  /** Any number; the ERC-3009 nonce is keccak256(abi.encode(channelId, salt)), so one salt deposits once. */
  salt: bigint
}

/** The ERC-3009 nonce of a deposit: keccak256(abi.encode(channelId, salt)). */
export function erc3009DepositNonce(channelId: Hex, salt: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [channelId, salt]))
}

/** ReceiveWithAuthorization for a deposit, under the token's own EIP-712 domain (`extra.name`, `extra.version`). */
export function erc3009DepositTypedData(terms: Erc3009DepositTerms, channelId: Hex, token: { address: Address; name: string; version: string; chainId: number }) {
  return {
    domain: { name: token.name, version: token.version, chainId: token.chainId, verifyingContract: getAddress(token.address) },
    types: RECEIVE_WITH_AUTHORIZATION_TYPES,
    primaryType: 'ReceiveWithAuthorization',
    message: {
      from: terms.payer,
      to: ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
      value: terms.amount,
      validAfter: terms.validAfter,
      validBefore: terms.validBefore,
      nonce: erc3009DepositNonce(channelId, terms.salt),
    },
  } as const
}

/** abi.encode(validAfter, validBefore, salt, signature), for `deposit(config, amount, ERC3009 collector, data)`. */
export function erc3009CollectorData(terms: Pick<Erc3009DepositTerms, 'validAfter' | 'validBefore' | 'salt'>, signature: Hex): Hex {
  return encodeAbiParameters(
    [{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }],
    [terms.validAfter, terms.validBefore, terms.salt, signature],
  )
}

export interface Permit2DepositTerms {
  token: Address
  amount: bigint
  /** A Permit2 (unordered) nonce. */
  nonce: bigint
  deadline: bigint
}

/** Permit2's PermitWitnessTransferFrom for a deposit: spender the Permit2 collector, witness the channel id. */
export function permit2DepositTypedData(terms: Permit2DepositTerms, channelId: Hex, chainId: number) {
  return {
    domain: { name: 'Permit2', chainId, verifyingContract: PERMIT2_ADDRESS },
    types: DEPOSIT_WITNESS_TYPES,
    primaryType: 'PermitWitnessTransferFrom',
    message: {
      permitted: { token: terms.token, amount: terms.amount },
      spender: PERMIT2_DEPOSIT_COLLECTOR_ADDRESS,
      nonce: terms.nonce,
      deadline: terms.deadline,
      witness: { channelId },
    },
  } as const
}

/**
 * abi.encode(nonce, deadline, signature, eip2612PermitData), for `deposit(config, amount, Permit2 collector, data)`.
 * `eip2612PermitData` (abi.encode(value, deadline, v, r, s) of a token `permit` for Permit2) is optional.
 */
export function permit2CollectorData(terms: Pick<Permit2DepositTerms, 'nonce' | 'deadline'>, signature: Hex, eip2612PermitData: Hex = '0x'): Hex {
  return encodeAbiParameters(
    [{ type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }, { type: 'bytes' }],
    [terms.nonce, terms.deadline, signature, eip2612PermitData],
  )
}
