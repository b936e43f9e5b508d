// Optional native secp256k1 (the `secp256k1` package from npm, libsecp256k1 with prebuilt binaries): signer
// recovery about 30x faster than viem's JavaScript (@noble/curves), which verifying exact payments cold is bound by.
// Loaded only where Node's module loader is reachable without an import, so this file stays safe on edge runtimes;
// anywhere else, or when the package is not installed, callers fall back to viem.
import { getAddress, hexToBytes, keccak256, type Address, type Hex } from 'viem'
import { requireOptional } from './optional-module.js'

interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array
}

let loaded: NativeSecp256k1 | null | undefined

/** The native binding, or null when it cannot be had here. Looked up once. */
export function nativeSecp256k1(): NativeSecp256k1 | null {
  if (loaded !== undefined) return loaded
  // `secp256k1/bindings` is the native build only: the package's JavaScript fallback is no faster than viem's.
  // Not installed, or no prebuilt binary for this platform: viem it is.
  const binding = requireOptional('secp256k1/bindings') as Partial<NativeSecp256k1> | undefined
  loaded = typeof binding?.ecdsaRecover === 'function' ? (binding as NativeSecp256k1) : null
  return loaded
}

/**
 * The address that signed `hash`, recovered natively. `undefined` when the native path cannot answer (no binding,
 * or a signature that is not 65 bytes, such as an EIP-2098 compact one): then ask viem. `null` when the
 * signature does not recover at all.
 */
export function recoverAddressNatively(hash: Hex, signature: Hex): Address | null | undefined {
  const native = nativeSecp256k1()
  if (!native || !/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined
  const bytes = hexToBytes(signature)
  const v = bytes[64]!
  const recid = v >= 27 ? v - 27 : v
  if (recid !== 0 && recid !== 1) return null
  try {
    const publicKey = native.ecdsaRecover(bytes.subarray(0, 64), recid, hexToBytes(hash), false)
    return getAddress(`0x${keccak256(publicKey.subarray(1)).slice(-40)}`)
  } catch {
    return null
  }
}
