// The buyer: the core's paying fetch (@tollgate/x402/client) with the exact and upto EVM payers, and a Nevermined
// payer when the demo sells credits. The upto payer never approves Permit2 itself: the story does that, in view. `onPaymentRequired` is told what the server asks before anything is signed.
import { wrapFetch } from '@tollgate/x402/client'
import { exactPayer, uptoPayer } from '@tollgate/x402/evm'

/**
 * @typedef {import('@tollgate/x402/client').Payer} Payer
 * @typedef {import('@tollgate/x402/client').BeforePayInfo} BeforePayInfo
 * @typedef {import('@tollgate/x402/evm').ExactPayerAccount} ExactPayerAccount
 *
 * @typedef {object} BuyerOptions
 * @property {ExactPayerAccount} account  pays `exact` offers with EIP-3009 signatures
 * @property {Payer} [neverminedPayer]  pays `nvm:erc4337` offers with an access token
 * @property {(info: BeforePayInfo) => unknown} [onPaymentRequired]  told what the server asks, before paying
 * @property {typeof globalThis.fetch} [fetch]
 */

/** The most the demo's buyer pays for one request. */
export const SPEND_CAP = '$0.05'

/** @param {BuyerOptions} options */
export function createBuyer({ account, neverminedPayer, onPaymentRequired, fetch = globalThis.fetch }) {
  const payers = [exactPayer(account), uptoPayer(account), ...(neverminedPayer ? [neverminedPayer] : [])]
  const paidFetch = wrapFetch((request) => fetch(request), {
    payers,
    maxAmount: SPEND_CAP,
    beforePay: async (info) => {
      await onPaymentRequired?.(info)
    },
  })
  return { fetch: paidFetch }
}
