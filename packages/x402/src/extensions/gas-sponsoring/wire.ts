// Gasless Permit2 on the wire (x402 specs/extensions/eip2612_gas_sponsoring.md and erc20_gas_sponsoring.md): the
// keys, the declarations a 402 carries and the info a payer fills in. Shared by the route's extension, the buyer
// and localFacilitator; no viem here, so that a route that declares sponsoring ships only this.
import { isRecord } from '../../codec/record.js'

/** The payer signs its token's EIP-2612 permit for Permit2; the facilitator submits it with the transfer. */
export const EIP2612_GAS_SPONSORING = 'eip2612GasSponsoring'
/** The payer signs (does not send) `approve(Permit2, ...)`; the facilitator funds its gas and broadcasts it. */
export const ERC20_APPROVAL_GAS_SPONSORING = 'erc20ApprovalGasSponsoring'
/** The schema version the info carries. */
export const GAS_SPONSORING_VERSION = '1'

/** Uniswap's Permit2, the only spender a sponsored approval may name (the same on every chain). */
export const CANONICAL_PERMIT2 = '0x000000000022D473030F116dDEE9F6B43aC78BA3'

/** What a payer sends under `extensions.eip2612GasSponsoring.info`: its permit for Permit2. */
export interface Eip2612PermitInfo {
  from: string
  asset: string
  spender: string
  /** uint256 decimal: the allowance granted (the permit's `value`). */
  amount: string
  /** uint256 decimal: the token's `nonces(from)` the permit was signed with. */
  nonce: string
  /** Unix seconds, decimal. */
  deadline: string
  /** 65 bytes r ‖ s ‖ v, hex. */
  signature: string
  version: string
}

/** What a payer sends under `extensions.erc20ApprovalGasSponsoring.info`: its signed approval transaction. */
export interface Erc20ApprovalInfo {
  from: string
  asset: string
  spender: string
  /** uint256 decimal: the allowance the transaction grants. */
  amount: string
  /** The RLP-encoded signed EIP-1559 transaction calling `approve(spender, amount)` on `asset`. */
  signedTransaction: string
  version: string
}

const ADDRESS = '^0x[a-fA-F0-9]{40}$'
const UINT = '^[0-9]+$'
const HEX = '^0x[a-fA-F0-9]+$'
const VERSION = '^[0-9]+(\\.[0-9]+)*$'
const text = (pattern: string, description: string) => ({ type: 'string', pattern, description })

// Field descriptions as the specs write them (the reference declares the same schema).
const parties = (from: string) => ({
  from: text(ADDRESS, from),
  asset: text(ADDRESS, 'The address of the ERC-20 token contract.'),
  spender: text(ADDRESS, 'The address of the spender (Canonical Permit2).'),
})
const fields = {
  [EIP2612_GAS_SPONSORING]: {
    ...parties('The address of the sender.'),
    amount: text(UINT, 'The amount to approve (uint256). Typically MaxUint.'),
    nonce: text(UINT, 'The current nonce of the sender.'),
    deadline: text(UINT, 'The timestamp at which the signature expires.'),
    signature: text(HEX, 'The 65-byte concatenated signature (r, s, v) as a hex string.'),
    version: text(VERSION, 'Schema version identifier.'),
  },
  [ERC20_APPROVAL_GAS_SPONSORING]: {
    ...parties('The address of the sender (token owner).'),
    amount: text(UINT, 'The amount approved (uint256). Always MaxUint256.'),
    signedTransaction: text(HEX, 'The RLP-encoded signed EIP-1559 transaction as a hex string.'),
    version: text(VERSION, 'Schema version identifier.'),
  },
}

export type GasSponsoringKey = typeof EIP2612_GAS_SPONSORING | typeof ERC20_APPROVAL_GAS_SPONSORING

const DESCRIPTIONS: Record<GasSponsoringKey, string> = {
  [EIP2612_GAS_SPONSORING]: 'The facilitator accepts EIP-2612 gasless Permit to `Permit2` canonical contract.',
  [ERC20_APPROVAL_GAS_SPONSORING]: 'The facilitator broadcasts a pre-signed ERC-20 approve() transaction to grant Permit2 allowance.',
}

/** The declaration a 402 carries under `extensions[key]`: a description, the version and the info's JSON schema. */
export function gasSponsoringDeclaration(key: GasSponsoringKey): { info: { description: string; version: string }; schema: Record<string, unknown> } {
  const properties = fields[key]
  return {
    info: { description: DESCRIPTIONS[key], version: GAS_SPONSORING_VERSION },
    schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties, required: Object.keys(properties) },
  }
}

/**
 * The payer's info under `extensions[key]`, checked against the schema: the info, undefined when the payment
 * carries none (nothing, or only the 402's declaration echoed), or the first bad field's path and expectation.
 */
export function readSponsoringInfo<K extends GasSponsoringKey>(
  key: K,
  value: unknown,
): { info: K extends typeof EIP2612_GAS_SPONSORING ? Eip2612PermitInfo : Erc20ApprovalInfo } | { problem: { path: string; expected: string } } | undefined {
  if (value === undefined) return undefined
  const info = isRecord(value) ? value.info : undefined
  if (!isRecord(info)) return { problem: { path: `extensions["${key}"].info`, expected: 'an object' } }
  // A client that echoes the declaration (description and version only) asks for nothing.
  if (info.from === undefined && typeof info.description === 'string') return undefined
  for (const [field, rule] of Object.entries(fields[key])) {
    const got = info[field]
    if (typeof got !== 'string' || !new RegExp(rule.pattern).test(got)) {
      return { problem: { path: `extensions["${key}"].info.${field}`, expected: rule.description.replace(/\.$/, '').toLowerCase() + ` (${rule.pattern})` } }
    }
  }
  return { info: info as never }
}

