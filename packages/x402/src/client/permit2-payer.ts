// What the exact and upto payers share for Permit2 offers: sign the permit, and approve Permit2 first only when
// told to (`approve`), from the payer's own account on a chain it names (`rpcUrl` or `client`).
import { createPublicClient, createWalletClient, custom, http, type Account, type Chain, type Client, type Transport } from 'viem'
import { encodeBase64Json } from '../codec/base64.js'
import { TollgateError } from '../errors.js'
import { ensurePermit2Allowance, resolveApproval, type Permit2Approval } from '../evm/permit2-approve.js'
import { createPermit2Payment } from '../evm/permit2-signer.js'
import { readPermit2Terms } from '../evm/permit2-verify.js'
import type { ExactPayerAccount } from '../evm/signer.js'
import { sponsoredApproval } from './permit2-sponsor.js'
import type { Offer } from './types.js'

export interface Permit2PayerOptions {
  /**
   * The one-time approval Permit2 needs to move the token for the payer: `'max'`, an amount of atomic units, or
   * `false` (default: never approve; a payer without the approval is refused with `permit2_allowance_required`).
   * Sent from the payer's account when its allowance is short, paying the gas; needs `rpcUrl` or `client`.
   */
  approve?: Permit2Approval
  /** The chain to send the approval on. */
  rpcUrl?: string
  /** A viem client for that chain, instead of `rpcUrl`. */
  client?: Client
  /** Seconds the permit stays valid. Default: the offer's `maxTimeoutSeconds`, else 300. */
  validForSeconds?: number
  /**
   * Gasless Permit2: when the 402 declares that its facilitator sponsors the approval (eip2612GasSponsoring,
   * erc20ApprovalGasSponsoring) and the allowance is short, sign the token's EIP-2612 permit (else an approve
   * transaction) for the facilitator to submit, rather than sending `approve` and paying its gas. Needs `rpcUrl`
   * or `client` (to read the allowance). Default true.
   */
  gasless?: boolean
}

export interface Permit2Signing {
  /** `declared`: the 402's `extensions` (gasless Permit2 is used when they offer it). */
  pay(offer: Offer, declared?: Record<string, unknown>): Promise<string>
}

/** Validates the Permit2 options once (at construction) and returns what pays a Permit2 offer. */
export function permit2Signing(account: ExactPayerAccount, options: Permit2PayerOptions, path: string): Permit2Signing {
  const approveAmount = resolveApproval(options.approve, `${path}.approve`)
  if (options.gasless !== undefined && typeof options.gasless !== 'boolean') {
    throw new TollgateError('invalid_options', `${path}.gasless must be true or false.`, { path: `${path}.gasless`, expected: 'true or false' })
  }
  const reader = options.gasless === false ? undefined : (options.client ?? (options.rpcUrl ? createPublicClient({ transport: http(options.rpcUrl) }) : undefined))
  let wallet: Client<Transport, Chain | undefined, Account> | undefined
  if (approveAmount !== undefined) {
    if (!options.client && !options.rpcUrl) {
      throw new TollgateError('invalid_options', `${path}.approve needs a chain to send the approval on: give rpcUrl or client.`, {
        path: `${path}.rpcUrl`,
        expected: 'an RPC URL or a viem client',
      })
    }
    if (!('type' in account) || (account as Account).type !== 'local') {
      throw new TollgateError('invalid_options', `${path}.approve sends a transaction: the account must be a viem local account (privateKeyToAccount).`, {
        path: `${path}.approve`,
        expected: 'a viem LocalAccount',
      })
    }
    const transport = options.client ? custom({ request: options.client.request }) : http(options.rpcUrl)
    wallet = createWalletClient({ account: account as Account, transport, ...(options.client?.chain ? { chain: options.client.chain } : {}) })
  }
  return {
    async pay(offer, declared) {
      const terms = readPermit2Terms(offer.requirements)
      const payment = await createPermit2Payment({
        account,
        requirements: offer.requirements,
        resource: offer.resource,
        ...(options.validForSeconds === undefined ? {} : { validForSeconds: options.validForSeconds }),
      })
      // The facilitator submits the approval when the 402 says it will (no ETH needed); else the payer's own, if asked.
      const sponsored = reader && terms ? await sponsoredApproval(reader, account, offer.requirements, terms, declared, payment.authorization.deadline) : undefined
      if (sponsored) return encodeBase64Json({ ...payment.payload, extensions: sponsored })
      if (wallet && terms && approveAmount !== undefined) await ensurePermit2Allowance(wallet, terms.asset, terms.amount, approveAmount)
      return payment.header
    },
  }
}

/** Whether a Permit2 offer is complete enough to sign (asset, payee, amount; upto: facilitatorAddress). */
export function canSignPermit2(offer: Offer): boolean {
  if (offer.x402Version !== 2) return false
  try {
    return readPermit2Terms(offer.requirements) !== undefined
  } catch {
    return false
  }
}
