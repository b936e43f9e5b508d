// localSvmFacilitator's options, validated when it is constructed.
import { TollgateError } from '../errors.js'
import { isCaip2 } from '../requirements/networks.js'
import type { SvmChain } from './chain.js'
import { checkFeePayerInput, type FeePayerInput } from './fee-payer.js'
import { MAX_COMPUTE_UNIT_LIMIT, MAX_COMPUTE_UNIT_PRICE_MICROLAMPORTS } from './constants.js'
import { solanaNetwork } from './network.js'
import { rpcChain } from './rpc-chain.js'
import { toBase58 } from './wire.js'

export interface LocalSvmFacilitatorOptions {
  /** The chain: `liteSvmChain(svm)` in tests, or give `rpcUrl` and `network`. */
  chain?: SvmChain
  /** A Solana JSON-RPC endpoint (`https://api.devnet.solana.com`), instead of `chain`. */
  rpcUrl?: string
  /** With `rpcUrl`: the network it serves (`solana`, `solana-devnet`, `solana:<genesis hash, 32 chars>`). */
  network?: string
  /** The account that pays the fees and co-signs: a KeyPairSigner, or a 64-byte secret key (a Solana keypair file). */
  feePayer: FeePayerInput
  /** Compute units a transaction may ask for; default 200,000 (a payment uses about 10,000). */
  maxComputeUnitLimit?: number
  /** Priority fee per compute unit, in micro-lamports; default and most 5,000,000 (the spec's cap, 5 lamports). */
  maxComputeUnitPrice?: bigint | number
  /** How long settle waits for confirmation; default 60,000 ms (about a blockhash's lifetime). */
  confirmTimeoutMs?: number
}

export interface ResolvedSvmOptions {
  chain: SvmChain
  feePayer: FeePayerInput
  feePayerAddress: string
  limits: { maxComputeUnitLimit: number; maxComputeUnitPrice: bigint }
  confirmTimeoutMs: number
}

const KEYS = ['chain', 'rpcUrl', 'network', 'feePayer', 'maxComputeUnitLimit', 'maxComputeUnitPrice', 'confirmTimeoutMs']

export function resolveSvmOptions(options: LocalSvmFacilitatorOptions): ResolvedSvmOptions {
  if (typeof options !== 'object' || options === null) throw invalid('', 'needs an options object', '{ chain | rpcUrl, feePayer }')
  for (const key of Object.keys(options)) if (!KEYS.includes(key)) throw invalid(key, `unknown option ${JSON.stringify(key)}`, KEYS.join(' | '))
  const feePayer = checkFeePayerInput(options.feePayer, 'localSvmFacilitator.feePayer')
  const feePayerAddress = feePayer instanceof Uint8Array ? toBase58(feePayer.subarray(32)) : feePayer.address
  const maxComputeUnitLimit = options.maxComputeUnitLimit ?? MAX_COMPUTE_UNIT_LIMIT
  if (!Number.isSafeInteger(maxComputeUnitLimit) || maxComputeUnitLimit <= 0 || maxComputeUnitLimit > 1_400_000) {
    throw invalid('maxComputeUnitLimit', 'must be a whole number of compute units, 1 to 1,400,000', 'a positive integer')
  }
  const maxComputeUnitPrice = BigInt(options.maxComputeUnitPrice ?? MAX_COMPUTE_UNIT_PRICE_MICROLAMPORTS)
  if (maxComputeUnitPrice < 0n || maxComputeUnitPrice > MAX_COMPUTE_UNIT_PRICE_MICROLAMPORTS) {
    throw invalid('maxComputeUnitPrice', 'may lower the spec cap of 5,000,000 micro-lamports per compute unit, never raise it', '0 to 5000000')
  }
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 60_000
  if (!Number.isSafeInteger(confirmTimeoutMs) || confirmTimeoutMs <= 0) throw invalid('confirmTimeoutMs', 'must be a positive number of ms', 'a positive integer')
  return { chain: resolveChain(options), feePayer, feePayerAddress, limits: { maxComputeUnitLimit, maxComputeUnitPrice }, confirmTimeoutMs }
}

function resolveChain(options: LocalSvmFacilitatorOptions): SvmChain {
  if (options.chain !== undefined) {
    if (options.rpcUrl !== undefined) throw invalid('rpcUrl', 'give `chain` or `rpcUrl`, not both', 'chain | rpcUrl')
    const { chain } = options
    if (typeof chain?.simulate !== 'function' || typeof chain.send !== 'function' || !isCaip2(chain.network)) {
      throw invalid('chain', 'must be an SvmChain (network, accountExists, simulate, send, confirm)', 'liteSvmChain(svm) or rpcChain(...)')
    }
    return chain
  }
  if (typeof options.rpcUrl !== 'string' || !/^https?:\/\//.test(options.rpcUrl)) throw invalid('rpcUrl', 'give `chain`, or `rpcUrl` (http or https) and `network`', 'an http(s) URL')
  return rpcChain({ rpcUrl: options.rpcUrl, network: solanaNetwork(options.network, 'localSvmFacilitator.network') })
}

function invalid(path: string, message: string, expected: string): TollgateError {
  return new TollgateError('invalid_options', `localSvmFacilitator: ${path ? `${path} ` : ''}${message}.`, { path, expected })
}
