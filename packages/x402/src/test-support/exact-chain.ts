// What the exact EVM tests on anvil share: the offer for a TestUSDC chain, and the request the engine would hand
// a facilitator for a payment of it.
import type { Address } from 'viem'
import type { PaymentRequirements } from '../codec/types.js'
import type { SettleRequest } from '../facilitator/types.js'
import type { ExactPayment } from '../evm/signer.js'
import { proofOf } from './proof.js'

/** An exact offer of `amount` atomic units of the TestUSDC at `asset` (domain USDC / 2) on `chainId`. */
export function chainOffer(chainId: number, asset: Address, payTo: Address, amount: bigint): PaymentRequirements {
  return {
    scheme: 'exact',
    network: `eip155:${chainId}`,
    amount: amount.toString(),
    asset,
    payTo,
    maxTimeoutSeconds: 300,
    extra: { name: 'USDC', version: '2' },
  }
}

/** What the engine would hand the facilitator for this payment and offer. */
export function requestFor(payment: ExactPayment, offer: PaymentRequirements, extra: Partial<SettleRequest> = {}): SettleRequest {
  return {
    x402Version: payment.x402Version,
    token: payment.header,
    proof: proofOf(payment.header, payment.x402Version),
    requirements: offer,
    paymentRequired: { x402Version: 2, resource: { url: 'http://localhost/premium' }, accepts: [offer] },
    amount: offer.amount ?? '0',
    verification: { isValid: true },
    ...extra,
  }
}
