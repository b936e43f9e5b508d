// What our buyer adds to a v2 payment: the 402's `extensions` echoed, as the spec asks of clients (a facilitator
// catalogs the bazaar declaration from it), and a payment id of its own where the route declares payment-identifier;
// and the extensions wrapFetch speaks (a wallet sign-in before paying, checks of signed offers and receipts).
import { decodeBase64Json, encodeBase64Json } from '../codec/base64.js'
import type { PaymentPayload, PaymentRequired } from '../codec/types.js'
import { newPaymentId, PAYMENT_IDENTIFIER } from '../extensions/payment-identifier/id.js'
import { TollgateError } from '../errors.js'
import type { ClientExtension } from './extension-types.js'
import type { PaymentDemand } from './types.js'
import { isRecord } from '../codec/record.js'

/** The 402's `extensions` (v2), for the payer: gasless Permit2 signs the approval when they offer it. */
export function declaredExtensions(demand: PaymentDemand): Record<string, unknown> | undefined {
  const declared = demand.x402Version === 2 ? (demand.paymentRequired as PaymentRequired).extensions : undefined
  return isRecord(declared) ? declared : undefined
}

/** `proof` with the demand's extensions echoed into it; as it is when the 402 declares none or it is not v2 JSON. */
export function withExtensions(proof: string, demand: PaymentDemand): string {
  const declared = demand.x402Version === 2 ? (demand.paymentRequired as PaymentRequired).extensions : undefined
  if (!isRecord(declared)) return proof
  let payment: PaymentPayload
  try {
    payment = decodeBase64Json(proof) as PaymentPayload
  } catch {
    return proof
  }
  if (!isRecord(payment) || payment.x402Version !== 2) return proof
  // The payer's own entries win over the echo.
  const extensions: Record<string, unknown> = { ...declared, ...payment.extensions }
  const paymentId = declared[PAYMENT_IDENTIFIER]
  if (isRecord(paymentId) && isRecord(paymentId.info) && !isRecord(payment.extensions?.[PAYMENT_IDENTIFIER])) {
    extensions[PAYMENT_IDENTIFIER] = { ...paymentId, info: { ...paymentId.info, id: newPaymentId() } }
  }
  return encodeBase64Json({ ...payment, extensions })
}

/**
 * Tries each extension's way in without paying (a wallet sign-in), once each: the answer when one is let in,
 * undefined when none applies or the server refused them all (the offer is then paid).
 */
export async function signIn(extensions: readonly ClientExtension[], demand: PaymentDemand, spare: Request, url: string, send: (request: Request) => Promise<Response>) {
  for (const extension of extensions) {
    if (!extension.signIn) continue
    const extra = await extension.signIn({ demand, request: spare, url })
    if (extra === undefined) continue
    const headers = new Headers(spare.headers)
    for (const name in extra) headers.set(name, extra[name]!)
    const answer = await send(new Request(spare.clone(), { headers }))
    if (answer.status !== 402) return answer
    await answer.body?.cancel().catch(() => undefined)
  }
  return undefined
}

/** wrapFetch's `extensions`, checked when it is made. */
export function checkClientExtensions(extensions: unknown): readonly ClientExtension[] {
  if (extensions === undefined) return []
  if (!Array.isArray(extensions) || !extensions.every((e) => typeof e === 'object' && e !== null && typeof e.key === 'string')) {
    throw new TollgateError('invalid_options', 'wrapFetch: extensions must be a list of client extensions (walletSignIn(account), ...).', {
      path: 'extensions',
      expected: 'an array of { key, signIn?, checkOffer?, checkPaid? }',
    })
  }
  return extensions as readonly ClientExtension[]
}

