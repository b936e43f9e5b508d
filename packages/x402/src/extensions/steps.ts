// The engine's steps for extensions that answer per request (contract.ts: `challenge`, `admit`, `settled`): a
// sign-in that lets a request in unpaid, a 402 declared afresh, additions to a receipt. Extensions that need them
// bring them (`steps: extensionSteps`), so that the engine of an app without such extensions does not ship them.
import { failClosedOnce } from '../engine/guarded-store.js'
import { render402, send402 } from '../engine/responses.js'
import type { PaymentContext } from '../engine/types.js'
import { TollgateError } from '../errors.js'
import type { ExtensionSteps } from '../engine/extensions.js'
import type { Extension, UnpaidRequest } from './contract.js'

/**
 * A request without a payment on a route whose extensions answer it (`admit`, `challenge`): the payer one of them
 * lets in (a wallet sign-in), else the 402 with their fresh declarations and why a sign-in was refused.
 */
const unpaid: ExtensionSteps['unpaid'] = async (extensions, request, headers, prepared, store, head, html, emit, base) => {
  // The Store as the engine uses it: a failure answers 503 (store_unavailable). Guarded once per Store, not per request.
  const asked: UnpaidRequest = { request, headers, resourceUrl: prepared.resource.url, store: failClosedOnce(store), paymentRequired: prepared.paymentRequired }
  let reason: string | undefined
  for (const extension of head ? [] : extensions) {
    const admission = await extension.admit?.(asked)
    if (!admission) continue
    if ('payer' in admission) {
      emit?.('signin.accepted', { ...base, payer: admission.payer })
      return { kind: 'free', ctx: signedIn(admission.payer) }
    }
    reason = admission.refused.reason
    emit?.('signin.refused', { ...base, reason, status: 402 })
    break
  }
  if (reason === undefined) emit?.('payment.required', { ...base, status: 402 })
  const declared: Record<string, unknown> = { ...asked.paymentRequired.extensions }
  for (const extension of extensions) {
    const part = await extension.challenge?.(asked)
    if (part !== undefined) declared[extension.key] = part
  }
  const paymentRequired = { ...asked.paymentRequired, extensions: declared }
  return { kind: 'respond', response: send402(render402(paymentRequired, reason), paymentRequired, { html, head }) }
}

/**
 * What a successful settlement's receipt becomes: the receipt with the extensions' parts in `extensions`. One that
 * fails does not undo a payment that moved: the receipt goes without its part, and a `store.error` event says so.
 */
const settled: ExtensionSteps['settled'] = (extensions, resourceUrl, store, emit, fields) => async (paid, requirements, verifiedPayer) => {
  const payment = { resourceUrl, store, receipt: paid, requirements, payer: paid.payer ?? verifiedPayer }
  let receipt = paid
  for (const extension of extensions) {
    try {
      const part = await extension.settled?.(payment)
      if (part !== undefined) receipt = { ...receipt, extensions: { ...(receipt.extensions as object), [extension.key]: part } }
    } catch {
      emit?.('store.error', { ...fields(), reason: extension.key + '_failed' })
    }
  }
  return receipt
}

/** A request a wallet sign-in let in: `ctx.payer` is the signed-in address; nothing is paid or settled. */
function signedIn(payer: string): PaymentContext {
  const unpaid = (call: string) => () => {
    throw new TollgateError('charge_unsupported', `ctx.${call}() was called on a request that signed in rather than paid.`)
  }
  return Object.freeze({ payer, payment: undefined, charged: undefined, charge: unpaid('charge'), settleWith: unpaid('settleWith') })
}

/** The steps for `challenge`, `admit` and `settled`: an extension with those hooks brings them as `steps`. */
export const extensionSteps: ExtensionSteps = Object.freeze({ unpaid, settled, runs: (extension: Extension) => extension.challenge || extension.admit || extension.settled })
