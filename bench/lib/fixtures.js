// What every benchmark shares: the paid route, a facilitator that answers at once, and tokens built from a 402.
export const NETWORK = 'eip155:84532'
export const PAY_TO = '0x1111111111111111111111111111111111111111'
export const PAYER = '0x2222222222222222222222222222222222222222'
export const TX = '0x' + 'ab'.repeat(32)
export const BODY = { hello: 'world' }

/** A Tollgate Facilitator that says yes at once (in-process): what is left is the paywall's own cost. */
export function instantFacilitator() {
  return {
    name: 'instant',
    verify: async () => ({ isValid: true, payer: PAYER }),
    settle: async (request) => ({ success: true, transaction: TX, network: request.requirements.network, payer: PAYER }),
  }
}

/** The same for @x402/core's FacilitatorClient interface (verify, settle, getSupported). */
export function instantReferenceClient() {
  return {
    verify: async () => ({ isValid: true, payer: PAYER }),
    settle: async (_payload, requirements) => ({ success: true, transaction: TX, network: requirements.network, payer: PAYER }),
    getSupported: async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }], extensions: [], signers: {} }),
  }
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64')

/** A v2 PAYMENT-SIGNATURE for the first offer of a PAYMENT-REQUIRED header; `n` makes the nonce distinct. */
export function tokenFor(paymentRequiredHeader, n = 0) {
  const required = JSON.parse(Buffer.from(paymentRequiredHeader, 'base64').toString('utf8'))
  const accepted = required.accepts[0]
  const nonce = '0x' + n.toString(16).padStart(64, '0')
  const now = Math.floor(Date.now() / 1000)
  const payload =
    accepted.scheme === 'exact'
      ? {
          signature: '0x' + '11'.repeat(65),
          authorization: { from: PAYER, to: accepted.payTo, value: accepted.amount, validAfter: String(now - 600), validBefore: String(now + 3600), nonce },
        }
      : { accessToken: 'bench-access-token-' + n }
  return b64({ x402Version: 2, resource: required.resource, accepted, payload })
}
