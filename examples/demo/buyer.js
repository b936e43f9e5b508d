// The buyer: a fetch that answers a 402 by paying and retrying once. It signs exact payments itself with
// createExactPayment; the core's own fetch client can replace this file later (same shape: a fetch).
import { PAYMENT_REQUIRED, PAYMENT_SIGNATURE, decodePaymentRequired } from '@tollgate/x402'
import { createExactPayment } from '@tollgate/x402/evm'

/**
 * @typedef {import('@tollgate/x402').PaymentRequired} PaymentRequired
 * @typedef {import('@tollgate/x402').PaymentRequirements} PaymentRequirements
 * @typedef {import('@tollgate/x402/evm').ExactPayerAccount} ExactPayerAccount
 *
 * A way to pay one scheme: the proof header value for an offer.
 * @typedef {(offer: PaymentRequirements, paymentRequired: PaymentRequired) => Promise<string>} Payer
 *
 * @typedef {object} BuyerOptions
 * @property {Record<string, Payer>} payers  scheme -> how to pay it; the first offer with a payer is taken
 * @property {(info: { paymentRequired: PaymentRequired, offer: PaymentRequirements }) => unknown} [onPaymentRequired]
 *   told what the server asks and which offer will be paid, before paying
 * @property {typeof globalThis.fetch} [fetch]
 */

/** Pays `exact` offers with `account`'s EIP-3009 signature. */
/** @returns {Payer} */
export function exactPayer(/** @type {ExactPayerAccount} */ account) {
  return async (offer, paymentRequired) => {
    const payment = await createExactPayment({ account, requirements: offer, resource: paymentRequired.resource })
    return payment.header
  }
}

/** @param {BuyerOptions} options */
export function createBuyer({ payers, onPaymentRequired, fetch = globalThis.fetch }) {
  return {
    /**
     * @param {string | URL | Request} input
     * @param {RequestInit} [init]
     * @returns {Promise<Response>}
     */
    async fetch(input, init) {
      const request = new Request(input, init)
      const retry = request.clone()
      const first = await fetch(request)
      if (first.status !== 402) return first
      await first.body?.cancel()

      const header = first.headers.get(PAYMENT_REQUIRED)
      if (!header) throw new Error(`${request.method} ${request.url} answered 402 without a ${PAYMENT_REQUIRED} header.`)
      const decoded = decodePaymentRequired(header)
      if (!decoded.ok) throw new Error(`Unreadable ${PAYMENT_REQUIRED} header: ${decoded.error.message}`)
      const paymentRequired = decoded.value
      const offer = paymentRequired.accepts.find((accepted) => payers[accepted.scheme] !== undefined)
      if (!offer) {
        const schemes = paymentRequired.accepts.map((accepted) => accepted.scheme).join(', ')
        throw new Error(`No way to pay ${request.url}: it asks for ${schemes}; this buyer pays ${Object.keys(payers).join(', ')}.`)
      }
      await onPaymentRequired?.({ paymentRequired, offer })

      const pay = /** @type {Payer} */ (payers[offer.scheme])
      retry.headers.set(PAYMENT_SIGNATURE, await pay(offer, paymentRequired))
      return fetch(retry)
    },
  }
}
