// Phase one of a request that carries a payment: replay guard, lock, verification (or speculative handling), and
// the session that phase two finishes. Shared by check()/handle() (HTTP) and the structured entry: only the
// Renderer (Responses or objects) differs.
import type { DecodedProof } from '../codec/types.js'
import type { Decoded, HeaderReader } from '../codec/headers.js'
import { TollgateError, isTollgateError } from '../errors.js'
import type { SettleRequest, VerifyResult } from '../facilitator/types.js'
import type { PaymentReading } from '../extensions/contract.js'
import { hashToken } from './hash.js'
import { readExtensions } from './extensions.js'
import { idempotencyKeyOf, keepResponse, type StoredResponse } from './idempotency.js'
import { releaseLock } from './lock-release.js'
import { buildVerifyRequest, consumedTtlMs, DEFAULT_CONSUMED_TTL_MS, findOffer } from './offer-match.js'
import type { Prepared, PreparedOffer } from './prepare.js'
import { isRefusal, unexpectedError, type Renderer } from './render.js'
import type { CompiledRoute } from './routes.js'
import { createSession, type SessionOf } from './session.js'
import type { PaymentContext, PaywallEvent } from './types.js'
import type { VerifyOutcome } from './verifier.js'
import type { LocalGate } from './local-gate.js'

export type { Base, GateDeps, GateOf } from './gate-types.js'
import type { Base, GateDeps, GateOf } from './gate-types.js'

// A lock on a single-use payment covers verify, settle and a minute of handler; it is released as soon as the
// request ends. Kept short on purpose: a lock whose release was lost (a Store blip) blocks its payment until then,
// and a copy that slips in after a very long handler still cannot be settled twice (the facilitator refuses it).
const LOCK_MARGIN_MS = 60_000

export type Gate = ReturnType<typeof createGate>

export function createGate(deps: GateDeps) {
  const { settings, facilitator, store, verifier, emit, outbox, worker, outboxGiven } = deps
  // What a remembered proof (createProofReader) pays for on a prepared route, and its verification cache key.
  const perProof = new WeakMap<DecodedProof, { prepared: Prepared; offer: PreparedOffer; key: string | undefined }>()
  // Lock values: unique among instances (the random part) and among this instance's requests (the count).
  // Drawn on first use, not here: Cloudflare Workers refuse randomness in global scope, where apps build paywalls.
  let lockOwner = ''
  let lockCount = 0

  /**
   * One request that carries a proof (read from a header, or given as an object) on a priced route. `headers` are
   * the request's (its Idempotency-Key); none for the structured entry.
   */
  async function gate<A>(
    render: Renderer<A>,
    headers: HeaderReader | undefined,
    method: string,
    route: CompiledRoute,
    base: Base,
    isAborted: () => boolean,
    prepared: Prepared,
    found: Decoded<DecodedProof>,
  ): Promise<GateOf<A>> {
    if (!found.ok) return reject(render, prepared, found.error, base)
    const proof = found.value
    const offer = offerFor(prepared, proof)
    if (!offer) {
      const error = new TollgateError('no_matching_requirements', 'The payment is for an offer this route does not make (scheme, network, amount, asset or payee differ).')
      return reject(render, prepared, error, base, proof)
    }
    const hashed = hashToken(proof.raw)
    const tokenHash = typeof hashed === 'string' ? hashed : await hashed
    // Event fields are built only when someone listens (emit is undefined otherwise): a spread per request adds up.
    let speculative = false
    const fields = () => ({
      ...base,
      tokenHash,
      x402Version: proof.x402Version,
      scheme: offer.requirements.scheme,
      network: offer.requirements.network,
      ...(speculative && { speculative }),
    })

    // The scheme reads the payload: whether it can pay at all, whether it is single-use, its identity and expiry.
    const scheme = offer.option.scheme!
    const unreadable = scheme.checkPayload?.(proof)
    if (unreadable !== undefined) {
      return reject(render, prepared, new TollgateError('payment_invalid', `The payment cannot be read: ${unreadable}.`, { reason: unreadable }), base, proof, tokenHash)
    }
    if (scheme.local) return (scheme.local.gate as LocalGate)(deps, render, route, base, isAborted, prepared, offer, proof, tokenHash)
    const replay = scheme.replay(proof, offer.requirements.network)
    const singleUse = replay !== undefined
    // Only a single-use payment is locked, marked used and kept under its id.
    const id = singleUse ? (replay.id ?? 'token:' + tokenHash) : ''
    const lockKey = singleUse ? 'tg:lock:' + id : ''
    const usedKey = singleUse ? 'tg:used:' + id : ''
    let locked = false
    // A value of this request's own, so that releasing never removes a lock that expired and was taken since.
    // Random once per paywall, then counted: getRandomValues per request cost 15% of a paid request's CPU.
    const lockValue = singleUse ? (lockOwner ||= crypto.getRandomValues(new Uint32Array(2)).join('.') + ':') + ++lockCount : ''
    // What the route's extensions took for this payment (a payment id's binding) is given back if nothing is charged.
    const readings: (PaymentReading | undefined)[] = []
    const release = (kept?: boolean) => {
      // Written out, not releaseReadings(): a call of its own cost bytes in every app's bundle.
      if (!kept) for (const reading of readings) reading?.release?.().catch(() => {})
      if (!locked) return
      locked = false
      releaseLock(
        () => store.deleteIf(lockKey, lockValue),
        () => emit?.('store.error', { ...fields(), reason: 'lock_release_failed' }),
      )
    }
    const idempotency = settings.idempotency
    const verifyMs = route.config.verifyTimeoutMs ?? settings.verifyTimeoutMs
    const settleMs = route.config.settleTimeoutMs ?? settings.settleTimeoutMs
    const paymentKey = singleUse ? 'tg:idem:pay:' + id : ''
    const clientKey = idempotency && headers ? idempotencyKeyOf(headers) : undefined

    // Where the paid answer is kept: the single-use payment's id, else the id the payment names (payment-identifier).
    const { extensions } = route.config
    const named = extensions ? await readExtensions(extensions, proof, tokenHash, store, idempotency, readings).catch(unexpectedError) : ''
    if (typeof named !== 'string') {
      release()
      return reject(render, prepared, named, base, proof, tokenHash)
    }
    const answerKey = paymentKey || named
    if (answerKey && idempotency) {
      const stored = await store.get<StoredResponse>(answerKey)
      if (stored && stored.resource === prepared.resource.url) {
        emit?.('replay.served', { ...fields(), status: stored.status })
        return respond(render.replay(stored))
      }
    }
    if (singleUse) {
      if (await store.get(usedKey)) {
        release()
        return reject(render, prepared, new TollgateError('payment_already_used', 'This payment was already used for another request.'), base, proof, tokenHash)
      }
      locked = await store.add(lockKey, lockValue, verifyMs + settleMs + LOCK_MARGIN_MS)
      // Not this request's binding to give back: the request that holds the payment made it.
      if (!locked) {
        return reject(render, prepared, new TollgateError('payment_in_use', 'This payment is being used by another request right now.'), base, proof, tokenHash)
      }
    }

    const verifyRequest = buildVerifyRequest(prepared, offer, proof)
    const started = Date.now()
    // What verification decided: the verified payment, or the answer that refuses it (402, 499, 502, 504).
    const failed = (error: unknown): A => {
      release()
      const failure = isTollgateError(error) ? error : new TollgateError('facilitator_error', String(error))
      emit?.('verify.error', { ...fields(), reason: failure.code, status: failure.status, durationMs: Date.now() - started })
      return render.fail(failure)
    }
    let requestKey: string | undefined
    const admit = (verification: VerifyResult): VerifyResult | A => {
      if (!isAborted()) return verification
      release()
      emit?.('client.aborted', { ...fields(), status: 499 })
      return render.fail(new TollgateError('client_aborted', 'The client went away before the handler ran; nothing was charged.'))
    }
    const judge = (outcome: VerifyOutcome): VerifyResult | A | Promise<VerifyResult | A> => {
      const verification = outcome.result
      if (outcome.shared) emit?.('verify.cached', fields())
      if (!verification.isValid) {
        release()
        const reason = verification.invalidReason ?? 'payment_invalid'
        const message = verification.invalidMessage ?? `The facilitator refused the payment: ${reason}.`
        const eventBase = speculative ? { ...base, speculative } : base
        const refused = reject(render, prepared, new TollgateError('payment_invalid', message, { reason }), eventBase, proof, tokenHash, Date.now() - started)
        return (refused as { response: A }).response
      }
      emit?.('verify.valid', { ...fields(), payer: verification.payer, amount: offer.amount, durationMs: Date.now() - started })
      requestKey = clientKey && verification.payer ? `tg:idem:key:${verification.payer.toLowerCase()}|${prepared.resource.url}|${clientKey}` : undefined
      if (!requestKey) return admit(verification)
      return store.get<StoredResponse>(requestKey).then(
        (stored) => {
          if (!stored) return admit(verification)
          release()
          emit?.('replay.served', { ...fields(), payer: verification.payer, status: stored.status })
          return render.replay(stored)
        },
        (error: unknown) => {
          release() // nothing was charged: the payment must stay usable once the Store is back
          throw error
        },
      )
    }
    const pending = verifier.verify(verifyCacheKey(proof, offer, tokenHash), verifyRequest, verifyMs)
    // Speculative handling: on a read-only route (or one marked speculative) the handler starts while the
    // facilitator verifies; the session holds its answer until verification decided (docs/state-machine.md).
    // Not when an Idempotency-Key may name a kept answer: that is known only once verification names the payer,
    // and a replay must not run the handler again.
    speculative = singleUse && pending instanceof Promise && speculativeRoute(route, method) && !clientKey
    emit?.('verify.start', { ...fields(), amount: offer.amount })
    let verification: VerifyResult | undefined
    let verdict: Promise<VerifyResult | A> | undefined
    if (speculative) {
      const unexpected = (error: unknown) => render.fail(unexpectedError(error))
      verdict = (pending as Promise<VerifyOutcome>).then(judge, failed).catch(unexpected)
    } else {
      let outcome: VerifyOutcome
      try {
        outcome = pending instanceof Promise ? await pending : pending
      } catch (error) {
        return respond(failed(error))
      }
      const judged = judge(outcome) // a Store that fails here throws: check() answers 503
      const decided = judged instanceof Promise ? await judged : judged
      if (isRefusal(decided)) return respond(decided)
      verification = decided
    }

    const session = createSession<A>({
      isAborted,
      prepared,
      offer,
      proof,
      tokenHash,
      verifyRequest,
      verification,
      verdict,
      render,
      facilitator,
      settleTimeoutMs: settleMs,
      onSettleFailure: route.config.onSettleFailure ?? settings.onSettleFailure,
      emit,
      fields,
      // Nothing to record for a reusable payment: no promise either.
      consume: singleUse ? () => store.set(usedKey, 1, consumedTtlMs(replay.expiresAt)) : undefined,
      release,
      settled: route.steps?.settled(extensions!, prepared.resource.url, store, emit, fields),
      watch: outboxGiven && facilitator.watchesSettlements === true,
      enqueue: async (settleRequest: SettleRequest, kept?: { transaction: string; watch?: boolean }) => {
        const now = Date.now()
        await outbox.add({
          request: settleRequest,
          attempts: 1,
          dueAt: now,
          expiresAt: replay?.expiresAt ?? now + DEFAULT_CONSUMED_TTL_MS,
          enqueuedAt: now,
          origin: { ...base, tokenHash },
          ...kept,
        })
        if (!kept?.watch) emit?.('outbox.enqueued', { ...fields(), payer: settleRequest.verification?.payer, amount: settleRequest.amount, ...(kept && { transaction: kept.transaction }) })
        if (!outboxGiven) worker.start()
      },
      keep: (response) => {
        if (!idempotency || (!answerKey && !requestKey)) return response
        const keys = [answerKey, requestKey].filter((key): key is string => !!key)
        return keepResponse(response, prepared.resource.url, idempotency.maxBodyBytes, async (stored) => {
          await Promise.all(keys.map((key) => store.set(key, stored, idempotency.ttlMs)))
        })
      },
    })
    if ((route.config.settle ?? settings.settle) === 'before') {
      const outcome = await session.settleBefore()
      if (outcome.kind === 'replace') return respond(outcome.response)
    }
    return { kind: 'paid', session }
  }

  /** Whether the handler may start before verification answers: read-only routes by default, or as marked. */
  function speculativeRoute(route: CompiledRoute, method: string): boolean {
    if ((route.config.settle ?? settings.settle) === 'before') return false
    return route.config.speculative ?? settings.speculative ?? method === 'GET'
  }

  function reject<A>(render: Renderer<A>, prepared: Prepared, error: TollgateError, base: Base, proof?: DecodedProof, tokenHash?: string, durationMs?: number): GateOf<A> {
    if (emit) {
      const event: Omit<PaywallEvent, 'type' | 'at'> = { ...base, reason: error.reason, status: error.status }
      if (proof) event.x402Version = proof.x402Version
      if (tokenHash) event.tokenHash = tokenHash
      if (durationMs !== undefined) event.durationMs = durationMs
      emit(error.code === 'payment_invalid' ? 'verify.invalid' : 'payment.rejected', event)
    }
    return respond(error.status === 402 ? render.refuse(error, prepared.paymentRequired) : render.fail(error))
  }

  /**
   * The verification cache's key for a proof and an offer. A reusable token's proof is one remembered object
   * (createProofReader), so its key is built once: a fresh string each time cost a concatenation and a hash of
   * its 150 characters on every cache hit.
   */
  function verifyCacheKey(proof: DecodedProof, offer: PreparedOffer, tokenHash: string): string {
    const known = perProof.get(proof)!
    return (known.key ??= 'tg:verify:' + tokenHash + '|' + offer.key)
  }

  /** The offer a proof pays for, worked out once per remembered proof and prepared route. */
  function offerFor(prepared: Prepared, proof: DecodedProof): PreparedOffer | undefined {
    const known = perProof.get(proof)
    if (known !== undefined && known.prepared === prepared) return known.offer
    const offer = findOffer(prepared, proof)
    if (offer) perProof.set(proof, { prepared, offer, key: undefined })
    return offer
  }

  return gate
}

export { unexpectedError } from './render.js'

function respond<A>(response: A): GateOf<A> {
  return { kind: 'respond', response }
}
