// wrapFetch: a fetch that answers a 402 by paying one offer and retrying once, within a spend cap.
import { PAYMENT_REQUIRED, PAYMENT_SIGNATURE, X_PAYMENT } from '../codec/headers.js'
import { isTollgateError, TollgateError } from '../errors.js'
import { checkClientExtensions, declaredExtensions, signIn, withExtensions } from './extensions.js'
import type { ClientExtension } from './extension-types.js'
import { readPaymentDemand, readReceiptHeader } from './offers.js'
import { checkPolicy, resolvePolicy, type Candidate, type ChooseOffer, type OfferPolicy } from './policy.js'
import { recordPayment } from './receipt.js'
import { resolveSpendCap, type CapAmount, type CapVerdict, type ResolvedSpendCap, type SpendCap } from './spend-cap.js'
import type { Offer, Payer, PaymentDemand, PaymentRecord } from './types.js'
import { serves } from '../schemes/registry.js'

/** The shape of `fetch`, and of what `wrapFetch` returns. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

/**
 * What `wrapFetch` wraps: anything that answers a Request. The global `fetch`, undici's, a Hono app's `fetch`,
 * `paywall.protect(handler)` in tests...
 */
export type RequestSender = (request: Request) => Response | Promise<Response>

export interface WrapFetchOptions {
  /** Who can pay, tried in this order for each offer: `exactPayer(account)`, `nvmPayer({ apiKey })`, your own. */
  payers: readonly Payer[]
  /**
   * The most one request may cost, in the offer's atomic units; `'$0.05'` means dollars of a 6-decimals token
   * (USDC). Per asset with `{ default, perAsset: { [tokenAddress or planId]: cap } }`.
   * Default: 100000 (0.10 USDC). Offers with no amount (Nevermined plans: credits bought beforehand) are not capped.
   */
  maxAmount?: CapAmount | SpendCap
  /** How to choose among payable offers. Default: the cheapest, in the server's order on ties. */
  policy?: OfferPolicy | ChooseOffer
  /**
   * Called with what the server asks and the offer chosen, before anything is signed: log it, show it, or ask
   * the user. Returning `false` declines: nothing is paid and the call throws `payment_declined`.
   */
  beforePay?: (info: BeforePayInfo) => boolean | void | Promise<boolean | void>
  /**
   * x402 extensions the buyer speaks: `walletSignIn(account)` signs in (sign-in-with-x) before paying again,
   * `verifyOfferReceipt(...)` checks signed offers and receipts (offer-receipt).
   */
  extensions?: readonly ClientExtension[]
}

export interface BeforePayInfo {
  /** Everything the 402 asked for. */
  demand: PaymentDemand
  /** The offer that will be paid. */
  offer: Offer
  /** The payer that will pay it. */
  payer: string
  /** What it costs, in the offer's atomic units; undefined for credits plans. */
  amount: bigint | undefined
  request: Request
}

/**
 * Wraps `fetch`: a 402 is answered by paying one offer (from the PAYMENT-REQUIRED header, or a v1 JSON body)
 * and retrying the request once, with the proof in PAYMENT-SIGNATURE (v2) or X-PAYMENT (v1). It never pays
 * twice for one call: a second 402 throws `payment_refused`, unless it corrected the payer's own state
 * (`Payer.correct`: a batch-settlement corrective 402), which is then paid once more. The receipt is on `getReceipt(response)`.
 *
 * Throws TollgateError: `no_payable_offer`, `over_spend_cap`, `payment_refused`, `malformed_402`,
 * `payer_error`, `body_not_replayable`. A request that already carries a proof header is sent as it is.
 */
export function wrapFetch(fetchImpl: RequestSender, options: WrapFetchOptions): FetchLike {
  if (typeof fetchImpl !== 'function') {
    throw new TollgateError('invalid_options', 'wrapFetch: the first argument must be a fetch function.', { path: 'fetch', expected: 'a function like fetch' })
  }
  const payers = checkPayers(options?.payers)
  checkPolicy(options.policy)
  if (options.beforePay !== undefined && typeof options.beforePay !== 'function') {
    throw new TollgateError('invalid_options', 'wrapFetch: beforePay must be a function.', { path: 'beforePay', expected: '(info) => boolean | void' })
  }
  const extensions = checkClientExtensions(options.extensions)
  const cap = resolveSpendCap(options.maxAmount)
  const choose = resolvePolicy(options.policy)
  // Called as a plain function: a browser's fetch throws "Illegal invocation" when called as a method of another object.
  const send = async (request: Request) => fetchImpl(request)

  return async function paidFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init)
    if (request.headers.has(PAYMENT_SIGNATURE) || request.headers.has(X_PAYMENT)) return send(request)
    // The retry must resend the body: keep a copy of the request before the first attempt reads it.
    const spare = isStreamBody(init?.body) ? undefined : request.clone()
    const first = await send(request)
    if (first.status !== 402) return first

    const demand = await readPaymentDemand(first)
    if (spare !== undefined) {
      const signedIn = await signIn(extensions, demand, spare, first.url || request.url, send)
      if (signedIn) return signedIn
    }
    const chosen = pick(demand, payers, cap, choose)
    if (spare === undefined) {
      throw new TollgateError(
        'body_not_replayable',
        'The server asks for a payment, but the request body is a stream that the first attempt consumed, so it cannot be resent with the proof. Nothing was paid. Pass a buffered body (a string, ArrayBuffer, Blob, FormData or URLSearchParams) instead.',
        { expected: 'a body that can be sent twice' },
      )
    }
    if (options.beforePay) {
      const info: BeforePayInfo = { demand, offer: chosen.offer, payer: chosen.payer.name, amount: chosen.amount, request: spare }
      if ((await options.beforePay(info)) === false) {
        throw new TollgateError('payment_declined', `beforePay declined to pay ${describe(chosen.offer)}; nothing was paid.`, { offer: chosen.offer.requirements })
      }
    }
    for (const extension of extensions) await extension.checkOffer?.({ demand, offer: chosen.offer })
    const header = chosen.offer.x402Version === 1 ? X_PAYMENT : PAYMENT_SIGNATURE
    const maxAmount = cap.capFor(chosen.offer)
    // A payer that may be corrected (batch-settlement) may pay once more: keep a copy of the request for that.
    const again = chosen.payer.correct ? spare.clone() : undefined
    // The payer is told about (afterPayment, correct) the proof it made, which is how it knows it; the header sent
    // carries the 402's extensions echoed (a payment id added where asked), unless the payer seals its token.
    const sendPaid = async (proof: string, body: Request): Promise<Response> => {
      const headers = new Headers(body.headers)
      headers.set(header, chosen.payer.sealed ? proof : withExtensions(proof, demand))
      try {
        return await send(new Request(body, { headers }))
      } catch (error) {
        await tell(chosen, proof, undefined)
        throw error
      }
    }
    // The payer sees the 402's declared extensions (gas sponsoring); the echo is added where the header is set.
    const payOnce = (body: Request): Promise<string> => payWith(chosen, body, maxAmount, declaredExtensions(demand))
    let proof = await payOnce(spare)
    let paid = await sendPaid(proof, spare)
    if (paid.status === 402 && again) {
      let fixed: boolean
      try {
        fixed = await corrected(chosen, proof, paid, again)
      } catch (error) {
        await tell(chosen, proof, paid)
        throw error
      }
      if (fixed) {
        await tell(chosen, proof, paid)
        await paid.body?.cancel().catch(() => undefined)
        proof = await payOnce(again)
        paid = await sendPaid(proof, again)
      }
    }
    await tell(chosen, proof, paid)
    if (paid.status === 402) throw await refused(paid, chosen)

    const record: PaymentRecord = { offer: chosen.offer, payer: chosen.payer.name, header, receipt: readReceiptHeader(paid.headers) }
    for (const extension of extensions) await extension.checkPaid?.({ demand, offer: chosen.offer, response: paid, receipt: record.receipt })
    recordPayment(paid, record)
    return paid
  }
}

/** The offer to pay: payable by some payer, within the cap, and the policy's choice among those. */
function pick(demand: PaymentDemand, payers: readonly Payer[], cap: ResolvedSpendCap, choose: ChooseOffer): Candidate {
  const payable: Array<{ offer: Offer; payer: Payer; verdict: CapVerdict }> = []
  for (const offer of demand.offers) {
    const payer = payers.find((candidate) => canPay(candidate, offer))
    if (payer) payable.push({ offer, payer, verdict: cap.check(offer) })
  }
  const offered = demand.offers.map(describe)
  if (payable.length === 0) {
    throw new TollgateError(
      'no_payable_offer',
      `None of the offers can be paid by ${payers.map((p) => p.name).join(', ')}: the server offers ${offered.join('; ') || 'nothing'}.`,
      { offers: offered, payers: payers.map((p) => p.name) },
    )
  }
  const candidates: Candidate[] = []
  for (const { offer, payer, verdict } of payable) if (verdict.ok) candidates.push({ offer, payer, amount: verdict.amount })
  if (candidates.length === 0) {
    const priced = payable.flatMap(({ offer, verdict }) => (!verdict.ok && verdict.amount !== undefined ? [{ offer, verdict }] : []))
    const cheapest = priced.sort((a, b) => (a.verdict.amount! < b.verdict.amount! ? -1 : 1))[0]
    if (cheapest) {
      const { amount, cap: limit } = cheapest.verdict
      throw new TollgateError(
        'over_spend_cap',
        `The cheapest payable offer costs ${amount} atomic units (${describe(cheapest.offer)}), above the spend cap of ${limit}. Nothing was paid.`,
        { amount: String(amount), cap: String(limit), asset: cheapest.offer.requirements.asset, offers: offered },
      )
    }
    throw new TollgateError('no_payable_offer', `No offer has a usable amount: ${offered.join('; ')}.`, { offers: offered })
  }
  const chosen = choose(candidates)
  if (!chosen) {
    throw new TollgateError('no_payable_offer', `The policy chose none of the payable offers: ${candidates.map((c) => describe(c.offer)).join('; ')}.`, {
      offers: offered,
    })
  }
  return chosen
}

/** Tells a payer that keeps state what came of its proof. Its failure does not undo what was paid for. */
async function tell(chosen: Candidate, proof: string, response: Response | undefined): Promise<void> {
  try {
    await chosen.payer.afterPayment?.({ offer: chosen.offer, proof, response, receipt: response ? readReceiptHeader(response.headers) : undefined })
  } catch {
    // The response was paid for and is returned; a payer whose state fell behind is corrected by the seller later.
  }
}

/** Whether the 402 answering a proof corrected the payer's state, so that it may pay once more. */
async function corrected(chosen: Candidate, proof: string, response: Response, request: Request): Promise<boolean> {
  let demand: PaymentDemand
  try {
    // The header alone when there is one: a clone's body cancelled while the original's is not would never settle.
    const copy = response.headers.has(PAYMENT_REQUIRED) ? new Response(null, { status: 402, headers: response.headers }) : response.clone()
    demand = await readPaymentDemand(copy)
  } catch {
    return false
  }
  return (await chosen.payer.correct!({ offer: chosen.offer, proof, demand, request })) === true
}

async function payWith(chosen: Candidate, request: Request, maxAmount: bigint, extensions: Record<string, unknown> | undefined): Promise<string> {
  let proof: unknown
  try {
    proof = await chosen.payer.pay({ offer: chosen.offer, request, signal: request.signal, maxAmount, ...(extensions ? { extensions } : {}) })
  } catch (error) {
    if (isTollgateError(error)) throw error
    const why = error instanceof Error ? error.message : String(error)
    throw new TollgateError('payer_error', `The ${chosen.payer.name} payer could not pay ${describe(chosen.offer)}: ${why}`, { payer: chosen.payer.name }, { cause: error })
  }
  if (typeof proof !== 'string' || proof === '') {
    throw new TollgateError('payer_error', `The ${chosen.payer.name} payer returned no proof for ${describe(chosen.offer)}.`, {
      payer: chosen.payer.name,
      expected: 'a non-empty header value',
    })
  }
  return proof
}

/** The 402 that answered a paid retry, as an error with the server's reason. Nothing more is paid. */
async function refused(response: Response, chosen: Candidate): Promise<TollgateError> {
  const receipt = readReceiptHeader(response.headers)
  let serverError: string | undefined
  try {
    serverError = (await readPaymentDemand(response)).error
  } catch {
    // A refusal without a readable payment request still is a refusal.
  }
  const reason = receipt?.errorReason ?? serverError ?? 'payment_refused'
  return new TollgateError(
    'payment_refused',
    `The server refused the payment (${reason}) for ${describe(chosen.offer)}; it was not paid again.`,
    { reason, payer: chosen.payer.name, offer: chosen.offer.requirements, ...(receipt ? { receipt } : {}) },
  )
}

const ANY_NETWORK: readonly string[] = ['*']

/** A payer pays the offer's scheme and network as it declares them (schemes/registry.ts), and says it can. */
function canPay(payer: Payer, offer: Offer): boolean {
  try {
    const { schemes, networks } = payer
    if (schemes !== undefined && !serves({ schemes, networks: networks ?? ANY_NETWORK }, offer.requirements.scheme, offer.requirements.network)) return false
    return payer.canPay(offer) === true
  } catch {
    return false
  }
}

function describe(offer: Offer): string {
  const { scheme, network, amount, asset, planId } = offer.requirements
  if (typeof planId === 'string') return `${scheme} plan ${planId} on ${network}`
  return `${scheme} ${amount ?? '?'} of ${asset ?? '?'} on ${network}`
}

function isStreamBody(body: unknown): boolean {
  if (body === null || typeof body !== 'object') return false
  if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) return true
  // Node's fetch also takes async iterables as bodies: they can be read once only.
  return Symbol.asyncIterator in body
}

function checkPayers(payers: unknown): readonly Payer[] {
  const ok =
    Array.isArray(payers) &&
    payers.length > 0 &&
    payers.every((p) => typeof p === 'object' && p !== null && typeof p.canPay === 'function' && typeof p.pay === 'function')
  if (!ok) {
    throw new TollgateError('invalid_options', 'wrapFetch: payers must be a non-empty list of payers (exactPayer(account), nvmPayer({ apiKey }), ...).', {
      path: 'payers',
      expected: 'an array of { name, canPay(offer), pay(input) }',
    })
  }
  return payers as readonly Payer[]
}
