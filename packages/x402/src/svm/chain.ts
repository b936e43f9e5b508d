// What the local SVM facilitator needs of a Solana chain: account existence, simulation, submission and
// confirmation. Implemented over a Solana JSON-RPC (rpc-chain.ts) and over LiteSVM in process (litesvm-chain.ts).

/** An outcome the chain reports, with its error in words when it failed. */
export type ChainOutcome = { ok: true } | { ok: false; error: string; blockhashExpired?: boolean }

export interface SvmChain {
  /** The chain's CAIP-2 id (`solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1`). */
  readonly network: string
  /** Whether an account exists (holds lamports) at `address`. */
  accountExists(address: string, signal?: AbortSignal): Promise<boolean>
  /** Runs the transaction without committing it (signatures not checked: the fee payer has not signed yet). */
  simulate(wire: Uint8Array, signal?: AbortSignal): Promise<ChainOutcome>
  /** Submits the fully signed transaction; the signature (base58) when it was accepted for processing. */
  send(wire: Uint8Array, signal?: AbortSignal): Promise<ChainOutcome & { signature?: string }>
  /** Waits until the transaction is confirmed or failed, or `signal` aborts. */
  confirm(signature: string, signal?: AbortSignal): Promise<ChainOutcome>
}
