// The batch-settlement cast a test file shares (castOf in batch-channel.ts: the payer funded with 10 USDC, the
// receiver, its authorizer, the voucher key, a relayer, a stranger), on the file's chain from useUsdcChain().
import { BATCH_CAST_FUND, castOf, type BatchCast } from './batch-channel.js'
import { useUsdcChain, type UseUsdcChainOptions } from './usdc-chain.js'

export interface UseBatchCastOptions extends Omit<UseUsdcChainOptions, 'ready'> {
  /** Runs once the cast is set, before the file's tests (as useUsdcChain's `ready`). */
  ready?: (cast: BatchCast) => unknown
}

/** Starts the file's chain and its cast before its tests and stops it after them; read the fields inside tests and hooks. */
export function useBatchCast(options: UseBatchCastOptions = {}): BatchCast {
  const { ready, ...chainOptions } = options
  const cast = {} as BatchCast
  useUsdcChain({
    fund: BATCH_CAST_FUND,
    ...chainOptions,
    ready: (chain) => {
      Object.assign(cast, castOf(chain))
      return ready?.(cast)
    },
  })
  return cast
}
