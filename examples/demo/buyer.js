// The buyer: the core's paying fetch (@tollgate/x402/client) with the exact and upto EVM payers, the channel payer
// (batch-settlement) when it knows the chain, and a Nevermined payer when the demo sells credits. It signs in with
// its wallet (sign-in-with-x) where a route offers it, before paying again. The upto payer never approves Permit2
// itself: the story does that, in view. `onPaymentRequired` is told what the server asks before anything is signed.
import { walletSignIn, wrapFetch } from '@tollgate/x402/client'
import { batchPayer, exactPayer, uptoPayer } from '@tollgate/x402/evm'

/**
 * @typedef {import('@tollgate/x402/client').Payer} Payer
 * @typedef {import('@tollgate/x402/client').BeforePayInfo} BeforePayInfo
 *
 * @typedef {object} BuyerOptions
 * @property {import('viem').PrivateKeyAccount} account  pays `exact` offers with EIP-3009 signatures, signs vouchers and sign-ins
 * @property {string} [rpcUrl]  the chain, read by the channel payer: without it, batch-settlement offers are not paid
 * @property {Payer} [neverminedPayer]  pays `nvm:erc4337` offers with an access token
 * @property {(info: BeforePayInfo) => unknown} [onPaymentRequired]  told what the server asks, before paying
 * @property {typeof globalThis.fetch} [fetch]
 */

/** The most the demo's buyer pays for one request. */
export const SPEND_CAP = '$0.05'

/** What the buyer deposits when it opens a channel: all the cap allows, fifty GET /quote at $0.001. */
export const CHANNEL_DEPOSIT = '$0.05'

/** @param {BuyerOptions} options */
export function createBuyer({ account, rpcUrl, neverminedPayer, onPaymentRequired, fetch = globalThis.fetch }) {
  const channels = rpcUrl ? batchPayer({ account, rpcUrl, deposit: CHANNEL_DEPOSIT }) : undefined
  const payers = [exactPayer(account), uptoPayer(account), ...(channels ? [channels] : []), ...(neverminedPayer ? [neverminedPayer] : [])]
  const paidFetch = wrapFetch((request) => fetch(request), {
    payers,
    extensions: [walletSignIn(account)],
    maxAmount: SPEND_CAP,
    beforePay: async (info) => {
      await onPaymentRequired?.(info)
    },
  })
  return { fetch: paidFetch, channels }
}
