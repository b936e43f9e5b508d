// The exact EVM payer: signs an EIP-3009 transferWithAuthorization with a viem account. It imports viem (via
// ../evm), so it is exported from `@tollgate/x402/evm`, never from the viem-free `@tollgate/x402/client`.
import { toCaip2 } from '../requirements/networks.js'
import { createExactPayment, type ExactPayerAccount } from '../evm/signer.js'
import { EXACT_SCHEME } from '../evm/scheme.js'
import { readExactTerms } from '../evm/verify.js'
import type { Offer, Payer } from './types.js'

export interface ExactPayerOptions {
  /** Pay only on these networks (CAIP-2 `eip155:8453` or names like `base`). Default: any EVM chain. */
  networks?: string[]
  /** Seconds the signed authorization stays valid. Default: the offer's `maxTimeoutSeconds`, else 300. */
  validForSeconds?: number
}

/** Pays `exact` offers on EVM chains from `account` (`privateKeyToAccount(key)`, or any local signer). */
export function exactPayer(account: ExactPayerAccount, options: ExactPayerOptions = {}): Payer {
  const networks = options.networks?.map((network, index) => toCaip2(network, `exactPayer.networks[${index}]`))
  return {
    name: 'exact-evm',
    canPay(offer: Offer) {
      const { requirements } = offer
      if (requirements.scheme !== EXACT_SCHEME) return false
      if (networks && !networks.includes(requirements.network)) return false
      try {
        // Undefined for non-EVM networks; throws when the asset, payee, amount or EIP-712 domain is missing.
        return readExactTerms(requirements) !== undefined
      } catch {
        return false
      }
    },
    async pay({ offer }) {
      const payment = await createExactPayment({
        account,
        requirements: offer.requirements,
        x402Version: offer.x402Version,
        ...(offer.x402Version === 2 ? { resource: offer.resource } : { v1Network: offer.raw.network }),
        ...(options.validForSeconds === undefined ? {} : { validForSeconds: options.validForSeconds }),
      })
      return payment.header
    },
  }
}
