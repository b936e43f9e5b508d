// The fee payer a facilitator names for Solana offers: what a seller behind a remote facilitator puts in
// `extra.feePayer` (localSvmFacilitator adds its own to every offer by itself).
import type { Facilitator } from '../facilitator/types.js'
import { TollgateError } from '../errors.js'
import { solanaNetwork } from './network.js'

/** Reads `extra.feePayer` of the facilitator's `exact` kind on `network` from its /supported list. */
export async function feePayerOf(facilitator: Facilitator, network: string, signal: AbortSignal = AbortSignal.timeout(10_000)): Promise<string> {
  const caip2 = solanaNetwork(network, 'network')
  const kinds = (await facilitator.supported?.(signal)) ?? []
  const kind = kinds.find((k) => k.x402Version === 2 && k.scheme === 'exact' && (k.network === caip2 || k.network === 'solana:*'))
  const feePayer = kind?.extra?.feePayer
  if (typeof feePayer !== 'string') {
    throw new TollgateError('unsupported_payment_kind', `${facilitator.name ?? 'The facilitator'} lists no fee payer for exact on ${caip2}.`, { network: caip2, expected: 'a kind with extra.feePayer in /supported' })
  }
  return feePayer
}
