// Phase one for a scheme that verifies locally (schemes/contract.ts `LocalVerification`: batch-settlement). The
// scheme reserves the payer's state and verifies; the session then runs as for any payment, its "settle" being
// the scheme's commit of what the handler charged, and its release freeing the state unchanged. Reached through
// `scheme.local.gate`, not imported by the gate, so that apps without such a scheme do not bundle it.
import type { DecodedProof } from '../codec/types.js'
import { encodePaymentResponse } from '../codec/headers.js'
import { isTollgateError, TollgateError } from '../errors.js'
import type { Facilitator } from '../facilitator/types.js'
import type { failClosed } from './guarded-store.js'
import type { Emit } from './events.js'
import type { Base, GateOf } from './gate-types.js'
import type { PaymentReading } from '../extensions/contract.js'
import { readExtensions, releaseReadings } from './extensions.js'
import { keepResponse, type StoredResponse } from './idempotency.js'
import { buildVerifyRequest } from './offer-match.js'
import type { ResolvedOptions } from './options.js'
import type { Prepared, PreparedOffer } from './prepare.js'
import { unexpectedError, type Renderer } from './render.js'
import { receiptHeader } from './responses.js'
import type { CompiledRoute } from './routes.js'
import { createSession } from './session.js'

export interface LocalGateDeps {
  settings: ResolvedOptions
  facilitator: Facilitator
  store: ReturnType<typeof failClosed>
  emit: Emit | undefined
}

export type LocalGate = typeof localGate

export async function localGate<A>(
  deps: LocalGateDeps,
  render: Renderer<A>,
  route: CompiledRoute,
  base: Base,
  isAborted: () => boolean,
  prepared: Prepared,
  offer: PreparedOffer,
  proof: DecodedProof,
  tokenHash: string,
): Promise<GateOf<A>> {
  const { settings, emit } = deps
  const local = offer.option.scheme!.local!
  const verifyRequest = buildVerifyRequest(prepared, offer, proof)
  const verifyTimeoutMs = route.config.verifyTimeoutMs ?? settings.verifyTimeoutMs
  const settleTimeoutMs = route.config.settleTimeoutMs ?? settings.settleTimeoutMs
  const fields = () => ({ ...base, tokenHash, x402Version: proof.x402Version, scheme: offer.requirements.scheme, network: offer.requirements.network })
  const refuse = (error: TollgateError, paymentRequired = prepared.paymentRequired, durationMs?: number): GateOf<A> => {
    emit?.(error.code === 'payment_invalid' ? 'verify.invalid' : 'payment.rejected', { ...fields(), reason: error.reason, status: error.status, ...(durationMs !== undefined && { durationMs }) })
    return { kind: 'respond', response: error.status === 402 ? render.refuse(error, paymentRequired) : render.fail(error) }
  }

  // The route's extensions read the payment as on any route, before the channel is touched (a payment id is bound,
  // a kept answer is served again): a refusal here leaves the channel as it was.
  const { extensions } = route.config
  const { idempotency } = settings
  const readings: (PaymentReading | undefined)[] = []
  const unbind = () => releaseReadings(readings)
  const named = extensions ? await readExtensions(extensions, proof, tokenHash, deps.store, idempotency, readings).catch(unexpectedError) : ''
  if (typeof named !== 'string') {
    unbind()
    return refuse(named)
  }
  const answerKey = idempotency ? named : ''
  if (answerKey) {
    const stored = await deps.store.get<StoredResponse>(answerKey).catch((error: unknown) => {
      unbind()
      throw error
    })
    if (stored && stored.resource === prepared.resource.url) {
      emit?.('replay.served', { ...fields(), status: stored.status })
      return { kind: 'respond', response: render.replay(stored) }
    }
  }

  const started = Date.now()
  emit?.('verify.start', { ...fields(), amount: offer.amount })
  let outcome: Awaited<ReturnType<typeof local.begin>>
  try {
    outcome = await local.begin({ request: verifyRequest, facilitator: deps.facilitator, store: deps.store, givenStore: settings.store, verifyTimeoutMs, settleTimeoutMs })
  } catch (error) {
    unbind()
    const failure = isTollgateError(error) ? error : new TollgateError('facilitator_error', String(error))
    emit?.('verify.error', { ...fields(), reason: failure.code, status: failure.status, durationMs: Date.now() - started })
    return { kind: 'respond', response: render.fail(failure) }
  }
  if (!outcome.ok) {
    unbind()
    return refuse(outcome.error, outcome.paymentRequired, Date.now() - started)
  }
  emit?.('verify.valid', { ...fields(), payer: outcome.payer, amount: offer.amount, durationMs: Date.now() - started })
  if (outcome.answered) {
    // A payment operation (a refund): its receipt is the answer, and the handler does not run.
    const { receipt, body } = outcome.answered
    emit?.('settle.success', { ...fields(), payer: outcome.payer, amount: '0', transaction: receipt.transaction, status: 200 })
    const headers: [string, string][] = [['Content-Type', 'application/json'], [receiptHeader(proof.x402Version), encodePaymentResponse(receipt)]]
    const stored = { status: 200, statusText: 'OK', headers, body: btoa(JSON.stringify(body)), resource: prepared.resource.url }
    // Kept under the payment's id (payment-identifier): the same refund retried is answered again, not run twice.
    if (answerKey) await deps.store.set(answerKey, stored, idempotency!.ttlMs).catch(() => emit?.('store.error', { ...fields(), reason: 'store_unavailable' }))
    // Written as a kept answer is (Response or object), but made now: not marked as a replay. The HTTP renderer
    // marks every answer it replays (one parameter fewer on every app's paid path): its header is taken off here.
    const response = render.replay(stored, false)
    if (response instanceof Response) response.headers.delete('Idempotent-Replayed')
    return { kind: 'respond', response }
  }
  const accepted = outcome
  const session = createSession<A>({
    isAborted,
    prepared,
    offer,
    proof,
    tokenHash,
    verifyRequest,
    verification: { isValid: true, payer: accepted.payer },
    render,
    // The session's settlement is the scheme's commit: a voucher is recorded, a deposit is settled then recorded.
    facilitator: { settle: (request, signal) => accepted.commit(request.amount, signal), verify: () => Promise.reject(new Error('unused')) },
    settleTimeoutMs,
    // A commit that failed cannot be retried later: the channel's next request has moved on.
    onSettleFailure: 'fail',
    emit,
    fields,
    consume: undefined,
    release: (kept) => {
      if (!kept) unbind()
      accepted.release()
    },
    enqueue: () => Promise.resolve(),
    // Nothing of a channel's commit is on chain yet: there is no settlement to watch.
    watch: false,
    settled: route.steps?.settled(extensions!, prepared.resource.url, deps.store, emit, fields),
    keep: (response) => (answerKey ? keepResponse(response, prepared.resource.url, idempotency!.maxBodyBytes, (stored) => deps.store.set(answerKey, stored, idempotency!.ttlMs)) : response),
  })
  if ((route.config.settle ?? settings.settle) === 'before') {
    const early = await session.settleBefore()
    if (early.kind === 'replace') return { kind: 'respond', response: early.response }
  }
  return { kind: 'paid', session }
}
