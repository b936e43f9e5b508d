// The voucher check's Keccak-256 on bytes. On Node, hash-wasm's WASM Keccak when the optional package is installed
// (about 1.3 µs a hash here against 8.5 µs for viem's JavaScript on the check's 66- and 96-byte inputs); viem's
// (@noble/hashes) until it is ready and wherever it cannot be (not installed, or an edge runtime such as Cloudflare
// Workers, which refuses to compile WASM from bytes). hash-wasm builds its hasher asynchronously: that starts at the
// first hash (or at `prepareVoucherKeccak`) and no hash ever waits for it or fails because of it.
import { keccak256 } from 'viem'
import { requireOptional } from '../optional-module.js'

interface Hasher {
  init(): Hasher
  update(data: Uint8Array): Hasher
  digest(outputType: 'binary'): Uint8Array
}

/** The WASM hasher once built; null when it cannot be had here; undefined before the first attempt ends. */
let wasm: Hasher | null | undefined
let preparing: Promise<void> | undefined

const javascriptKeccak = (data: Uint8Array): Uint8Array => keccak256(data, 'bytes')

async function build(): Promise<void> {
  try {
    const hashWasm = requireOptional('hash-wasm') as { createKeccak?: (bits: 256) => Promise<Hasher> } | undefined
    if (typeof hashWasm?.createKeccak !== 'function') return
    const hasher = await hashWasm.createKeccak(256)
    // Used only if it answers as viem does (a wrong build must not decide who signed).
    const probe = new TextEncoder().encode('tollgate voucher keccak')
    const answer = hasher.init().update(probe).digest('binary')
    if (answer.length === 32 && answer.every((byte, i) => byte === javascriptKeccak(probe)[i])) wasm = hasher
  } catch {
    // No WASM here (an edge runtime), or a broken install: viem's Keccak it is.
  } finally {
    wasm ??= null
  }
}

/** Starts building the WASM hasher if not yet started; resolves (never rejects) once the check's Keccak is settled. */
export function prepareVoucherKeccak(): Promise<void> {
  preparing ??= build()
  return preparing
}

/** Keccak-256 of `data`, by whichever implementation is ready now. */
export function voucherKeccak(data: Uint8Array): Uint8Array {
  if (wasm) return wasm.init().update(data).digest('binary')
  if (wasm === undefined) void prepareVoucherKeccak()
  return javascriptKeccak(data)
}

/** Which Keccak the check uses now (for tests and the benchmark). */
export function voucherKeccakKind(): 'wasm' | 'javascript' {
  return wasm ? 'wasm' : 'javascript'
}
