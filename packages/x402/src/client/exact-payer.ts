// The exact and upto EVM payers: sign an EIP-3009 transferWithAuthorization, or a Permit2 permit (exact over
// Permit2, upto), with a viem account. They import viem (via ../evm), so they are exported from
// `@tollgate/x402/evm`, never from the viem-free `@tollgate/x402/client`.
import { toCaip2 } from '../requirements/networks.js'
import { createExactPayment, type ExactPayerAccount } from '../evm/signer.js'
import { EXACT_SCHEME } from '../evm/scheme.js'
import { readExactTerms } from '../evm/verify.js'
import { permit2KindOf, UPTO_SCHEME } from '../evm/permit2.js'
import { canSignPermit2, permit2Signing, type Permit2PayerOptions } from './permit2-payer.js'
import { serves } from '../schemes/registry.js'
import type { Offer, Payer } from './types.js'

export interface ExactPayerOptions extends Permit2PayerOptions {
  /** Pay only on these networks (CAIP-2 `eip155:8453` or names like `base`). Default: any EVM chain. */
  networks?: string[]
  /** Seconds the signed authorization stays valid. Default: the offer's `maxTimeoutSeconds`, else 300. */
  validForSeconds?: number
}

export type UptoPayerOptions = ExactPayerOptions

/** Any EVM chain: the payers' networks when none are given. */
const EVM: readonly string[] = ['eip155:*']

/**
 * Pays `exact` offers on EVM chains from `account` (`privateKeyToAccount(key)`, or any local signer): EIP-3009
 * offers, and Permit2 ones (`extra.assetTransferMethod: "permit2"`, any ERC-20) once Permit2 is approved
 * (`approve` does it when told to).
 */
export function exactPayer(account: ExactPayerAccount, options: ExactPayerOptions = {}): Payer {
  const kind = { schemes: [EXACT_SCHEME], networks: options.networks?.map((network, index) => toCaip2(network, `exactPayer.networks[${index}]`)) ?? EVM }
  const permit2 = permit2Signing(account, options, 'exactPayer')
  return {
    name: 'exact-evm',
    ...kind,
    canPay(offer: Offer) {
      const { requirements } = offer
      if (!serves(kind, requirements.scheme, requirements.network)) return false
      if (permit2KindOf(requirements)) return canSignPermit2(offer)
      try {
        // Undefined for non-EVM networks; throws when the asset, payee, amount or EIP-712 domain is missing.
        return readExactTerms(requirements) !== undefined
      } catch {
        return false
      }
    },
    async pay({ offer, extensions }) {
      if (permit2KindOf(offer.requirements)) return permit2.pay(offer, extensions)
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

/**
 * Pays `upto` offers (usage-based, Permit2) on EVM chains: signs a permit for the offer's maximum, which the spend
 * cap counts in full; the server settles what the request used, at most that. Needs Permit2 approved once
 * (`approve: 'max' | amount` does it when told to, never otherwise).
 */
export function uptoPayer(account: ExactPayerAccount, options: UptoPayerOptions = {}): Payer {
  const kind = { schemes: [UPTO_SCHEME], networks: options.networks?.map((network, index) => toCaip2(network, `uptoPayer.networks[${index}]`)) ?? EVM }
  const permit2 = permit2Signing(account, options, 'uptoPayer')
  return {
    name: 'upto-evm',
    ...kind,
    canPay(offer: Offer) {
      if (!serves(kind, offer.requirements.scheme, offer.requirements.network)) return false
      return canSignPermit2(offer)
    },
    pay: ({ offer, extensions }) => permit2.pay(offer, extensions),
  }
}
