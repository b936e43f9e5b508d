// The server's per-request check of a voucher: one keccak over a cached domain separator and one signature
// recovery, no RPC. It accepts exactly what the contract's claim accepts from a payer authorizer: a 65-byte
// signature with v 27 or 28 and a low s (the contract refuses malleable signatures, so a voucher taken here
// could otherwise never be claimed).
import { concat, encodeAbiParameters, getAddress, keccak256, numberToHex, recoverAddress, toHex, zeroAddress, type Address, type Hex } from 'viem'
import { nativeSecp256k1 } from '../native-recover.js'
import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN, type ChannelConfig } from './constants.js'
import { recoversToSigner, voucherDigestBytes } from './voucher-bytes.js'
import { prepareVoucherKeccak } from './voucher-keccak.js'

const VOUCHER_TYPEHASH = keccak256(toHex('Voucher(bytes32 channelId,uint128 maxClaimableAmount)'))
const DOMAIN_TYPEHASH = keccak256(toHex('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'))
const HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n
const domainSeparators = new Map<string, Hex>()
/** The last separator asked for: a seller checks one chain and contract, so most checks stop here. */
let last = { chainId: Number.NaN, verifyingContract: '', separator: '0x' as Hex }

function domainSeparatorOf(chainId: number, verifyingContract: Address): Hex {
  if (chainId === last.chainId && verifyingContract === last.verifyingContract) return last.separator
  const key = `${chainId}:${verifyingContract.toLowerCase()}`
  let separator = domainSeparators.get(key)
  if (separator === undefined) {
    separator = keccak256(encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'address' }],
      [DOMAIN_TYPEHASH, keccak256(toHex(BATCH_SETTLEMENT_DOMAIN.name)), keccak256(toHex(BATCH_SETTLEMENT_DOMAIN.version)), BigInt(chainId), verifyingContract],
    ))
    domainSeparators.set(key, separator)
  }
  last = { chainId, verifyingContract, separator }
  return separator
}

/** The EIP-712 digest of Voucher(channelId, maxClaimableAmount): what the contract's getVoucherDigest answers. */
export function voucherDigest(channelId: Hex, maxClaimableAmount: bigint, chainId: number, verifyingContract: Address = BATCH_SETTLEMENT_ADDRESS): Hex {
  const structHash = keccak256(concat([VOUCHER_TYPEHASH, channelId, numberToHex(maxClaimableAmount, { size: 32 })]))
  return keccak256(concat(['0x1901', domainSeparatorOf(chainId, verifyingContract), structHash]))
}

/** Who must sign a channel's vouchers when a local check can decide it: the payer authorizer, unless it is zero (then the payer, maybe an ERC-1271 wallet: ask the chain). */
export function localVoucherSigner(config: Pick<ChannelConfig, 'payerAuthorizer'>): Address | undefined {
  return config.payerAuthorizer.toLowerCase() === zeroAddress ? undefined : getAddress(config.payerAuthorizer)
}

/** Whether the signature has the form the contract's recovery accepts: 65 bytes, v 27 or 28, s in the lower half. */
export function isCanonicalSignature(signature: Hex): boolean {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return false
  const v = Number.parseInt(signature.slice(130, 132), 16)
  return (v === 27 || v === 28) && BigInt(`0x${signature.slice(66, 130)}`) <= HALF_CURVE_ORDER
}

export interface VoucherCheck {
  channelId: Hex
  maxClaimableAmount: bigint
  signature: Hex
  /** The channel's payer authorizer (see `localVoucherSigner`). */
  signer: Address
  chainId: number
  verifyingContract?: Address
}

/** True when `signer` signed this voucher, in a form the contract will accept when it is claimed. */
export async function verifyVoucherSignature(check: VoucherCheck): Promise<boolean> {
  const native = nativeSecp256k1()
  const verifyingContract = check.verifyingContract ?? BATCH_SETTLEMENT_ADDRESS
  if (native) {
    // The hot path on a Node server: the digest and the signature on bytes, the key's address compared without checksums.
    const digest = voucherDigestBytes(check.channelId, check.maxClaimableAmount, domainSeparatorOf(check.chainId, verifyingContract))
    if (digest !== undefined) return recoversToSigner(native, digest, check.signature, check.signer)
  }
  if (!isCanonicalSignature(check.signature)) return false
  const digest = voucherDigest(check.channelId, check.maxClaimableAmount, check.chainId, verifyingContract)
  try {
    const recovered = await recoverAddress({ hash: digest, signature: check.signature })
    return recovered.toLowerCase() === check.signer.toLowerCase()
  } catch {
    return false
  }
}

/**
 * Readies the voucher check's fast Keccak (the optional `hash-wasm` package, on Node) now rather than at the first
 * voucher, whose checks meanwhile use viem's. Resolves, never rejects, once it is ready or known to be unavailable.
 */
export function prepareVoucherCheck(): Promise<void> {
  return prepareVoucherKeccak()
}
