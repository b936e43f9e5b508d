// A Solana network as the SVM code takes it: a known name or CAIP-2 `solana:<genesis hash, first 32 characters>`.
import { TollgateError } from '../errors.js'
import { toCaip2 } from '../requirements/networks.js'

/** `solana`, `solana-devnet` or `solana:<32 base58 characters>`, as CAIP-2. */
export function solanaNetwork(value: unknown, path: string): string {
  if (typeof value === 'string' && /^solana:[1-9A-HJ-NP-Za-km-z]{32}$/.test(value)) return value
  const caip2 = typeof value === 'string' ? safeCaip2(value) : undefined
  if (caip2?.startsWith('solana:')) return caip2
  throw new TollgateError('unknown_network', `${path} must be a Solana network (solana, solana-devnet, solana:<genesis hash>), got ${JSON.stringify(value)}.`, {
    path,
    expected: 'solana | solana-devnet | solana:<genesis hash, first 32 characters>',
  })
}

function safeCaip2(value: string): string | undefined {
  try {
    return toCaip2(value)
  } catch {
    return undefined
  }
}
