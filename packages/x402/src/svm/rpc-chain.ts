// The SVM chain interface over a Solana JSON-RPC endpoint (@solana/kit's RPC client): what localSvmFacilitator uses
// against devnet or mainnet. A call the endpoint does not answer rejects (`facilitator_error`: a 502, not a refusal).
import { createSolanaRpc, type Address, type Base64EncodedWireTransaction, type Rpc, type Signature, type SolanaRpcApi } from '@solana/kit'
import { TollgateError } from '../errors.js'
import { sleep } from '../facilitator/abort.js'
import type { ChainOutcome, SvmChain } from './chain.js'
import { bytesToBase64 } from './wire.js'

export interface RpcChainOptions {
  /** The endpoint; or give `rpc`, a kit RPC client (any transport). */
  rpcUrl?: string
  rpc?: Rpc<SolanaRpcApi>
  /** The CAIP-2 id of the chain behind it. */
  network: string
  /** How often confirm asks for the signature's status; default 400 ms (a slot). */
  pollMs?: number
}

export function rpcChain(options: RpcChainOptions): SvmChain {
  const rpc = options.rpc ?? createSolanaRpc(options.rpcUrl!)
  const pollMs = options.pollMs ?? 400
  const call = async <T>(method: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (cause) {
      throw new TollgateError('facilitator_error', `localSvmFacilitator: the Solana RPC did not answer ${method}: ${cause instanceof Error ? cause.message : String(cause)}`, {}, { cause })
    }
  }
  return {
    network: options.network,
    async accountExists(address, signal) {
      const { value } = await call('getAccountInfo', () => rpc.getAccountInfo(address as Address, { encoding: 'base64', commitment: 'confirmed' }).send({ abortSignal: signal }))
      return value !== null
    },
    async simulate(wire, signal) {
      const { value } = await call('simulateTransaction', () =>
        rpc.simulateTransaction(toBase64(wire), { encoding: 'base64', sigVerify: false, replaceRecentBlockhash: false, commitment: 'confirmed' }).send({ abortSignal: signal }),
      )
      return value.err === null ? { ok: true } : outcome(value.err)
    },
    async send(wire, signal) {
      try {
        const signature = await rpc.sendTransaction(toBase64(wire), { encoding: 'base64', skipPreflight: true }).send({ abortSignal: signal })
        return { ok: true, signature }
      } catch (cause) {
        // A refusal by the node (bad blockhash, already processed) is the payment's; the facilitator's own RPC
        // failing is ours, but the transaction may be out: report it as not settled rather than guess.
        return { ok: false, error: cause instanceof Error ? cause.message : String(cause), ...(/Blockhash not found/i.test(String(cause)) ? { blockhashExpired: true } : {}) }
      }
    },
    async confirm(signature, signal) {
      for (;;) {
        const { value } = await call('getSignatureStatuses', () => rpc.getSignatureStatuses([signature as Signature]).send({ abortSignal: signal }))
        const status = value[0]
        if (status?.err) return outcome(status.err)
        if (status?.confirmationStatus === 'confirmed' || status?.confirmationStatus === 'finalized') return { ok: true }
        await sleep(pollMs, signal ?? new AbortController().signal)
      }
    },
  }
}

function outcome(err: unknown): ChainOutcome {
  const error = JSON.stringify(err, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
  return { ok: false, error, ...(/BlockhashNotFound/.test(error) ? { blockhashExpired: true } : {}) }
}

function toBase64(bytes: Uint8Array): Base64EncodedWireTransaction {
  return bytesToBase64(bytes) as Base64EncodedWireTransaction
}
