// createPaywall: the verify -> handle -> settle state machine, once, for every adapter.
import type { DecodedProof, PaymentRequirements } from '../codec/types.js'
import { TollgateError, isTollgateError } from '../errors.js'
import type { VerifyRequest, VerifyResult } from '../facilitator/types.js'
import { matchAccepted, matchV1, toV1Requirements } from '../requirements/build.js'
import { createEmitter } from './events.js'
import { hashToken } from './hash.js'
import { authorizationExpiresAt, paymentId } from './payment-id.js'
import { resolveOptions } from './options.js'
import { createPreparer, type Prepared, type PreparedOffer } from './prepare.js'
import { render402, send402, sendError, wantsHtml, withHeaders } from './responses.js'
import { compileRoutes, matchRoute, type CompiledRoute } from './routes.js'
import { createSession } from './session.js'
import { withFacilitatorExtra } from '../requirements/facilitator-extra.js'
import type { CheckOptions, Gate, NextHandler, PaymentContext, Paywall, PaywallEvent, PaywallOptions } from './types.js'
import { createVerifier, type SyncRead, type VerifyOutcome } from './verifier.js'
import { releaseLock } from './lock-release.js'
import { createProofReader } from './proof-reader.js'
import type { Decoded, HeaderReader } from '../codec/headers.js'
import { failClosed, failOpen } from './guarded-store.js'
import { idempotencyKeyOf, keepResponse, replayResponse, type StoredResponse } from './idempotency.js'
import { createOutboxWorker } from './outbox-worker.js'
import { createUrlMemo } from './url-memo.js'
import { memoryOutbox } from '../store/memory-outbox.js'
import type { SettleRequest } from '../facilitator/types.js'

const FREE_CONTEXT: PaymentContext = Object.freeze({
  payer: undefined,
  payment: undefined,
  charged: undefined,
  charge() {
    throw new TollgateError('charge_unsupported', 'ctx.charge() was called on a request that is not paid.')
  },
})
const FREE: Gate = Object.freeze({ kind: 'free', ctx: FREE_CONTEXT })
// A lock on a single-use payment covers verify, settle and a minute of handler; it is released as soon as the
// request ends. Kept short on purpose: a lock whose release was lost (a Store blip) blocks its payment until then,
// and a copy that slips in after a very long handler still cannot be settled twice (the nonce is spent on chain).
const LOCK_MARGIN_MS = 60_000
const DEFAULT_CONSUMED_TTL_MS = 24 * 60 * 60_000

export function createPaywall(options: PaywallOptions): Paywall {
  const settings = resolveOptions(options)
  const { facilitator } = options
  const routes = compileRoutes(options.routes).map((route) => ({
    ...route,
    options: route.options.map((option, i) => withFacilitatorExtra(option, facilitator, `routes["${route.key}"].accepts[${i}]`)),
  }))
  const store = failClosed(settings.store)
  const emit = createEmitter(options.onEvent)
  const verifier = createVerifier(facilitator, failOpen(settings.cacheStore), settings.verifyCacheTtlMs, syncReadOf(settings.cacheStore))
  const prepare = createPreparer(settings)
  const readProof = createProofReader(settings.maxHeaderBytes)
  const pathnameOf = createUrlMemo((url) => new URL(url).pathname)
  // What a remembered proof (createProofReader) pays for on a prepared route, and its verification cache key.
  const perProof = new WeakMap<DecodedProof, { prepared: Prepared; offer: PreparedOffer; key: string | undefined }>()
  const routeMemos = new Map<string, (pathname: string) => CompiledRoute | null>()
  const outbox = options.outbox ?? memoryOutbox()
  // Lock values: unique among instances (the random part) and among this instance's requests (the count).
  // Drawn on first use, not here: Cloudflare Workers refuse randomness in global scope, where apps build paywalls.
  let lockOwner = ''
  let lockCount = 0
  const worker = createOutboxWorker(outbox, facilitator, settings.settleTimeoutMs, emit, options.outboxWorker)
  // An outbox given explicitly may hold entries from before a restart: work on it from the start.
  if (options.outbox) worker.start()

  async function check(request: Request, options?: CheckOptions): Promise<Gate> {
    return decide(request, options)
  }

  /** Phase one; a request that is not paid is decided without a promise (handle() calls it directly). */
  function decide(request: Request, options: CheckOptions | undefined): Gate | Promise<Gate> {
    const method = request.method.toUpperCase()
    if (method === 'OPTIONS') return FREE // CORS preflights cannot carry a payment.
    const pathname = pathnameOf(request.url)
    const route = routeFor(method, pathname)
    if (!route) return FREE
    const base = { route: route.key, method, path: pathname }
    const headers = options?.headers ?? request.headers
    const open = (prepared: Prepared): Gate | Promise<Gate> => {
      const head = method === 'HEAD'
      const found = readProof(headers)
      if (found !== null && !head) return gate(request, headers, method, route, base, options?.isAborted, prepared, found).catch(unexpectedGate)
      // HEAD only discovers the price: it never runs a paid handler, so it never pays.
      emit?.('payment.required', { ...base, status: 402 })
      const html = !head && settings.htmlPaywall && wantsHtml(headers)
      return respond(send402(prepared.unpaid, prepared.paymentRequired, { html, head }))
    }
    // A request without a payment on a route with fixed prices is answered from memory, without a promise.
    try {
      const preparing = prepare(route, request, pathname)
      return preparing instanceof Promise ? preparing.then(open).catch(unexpectedGate) : open(preparing)
    } catch (error) {
      return unexpectedGate(error)
    }
  }

  async function gate(
    request: Request,
    headers: HeaderReader,
    method: string,
    route: CompiledRoute,
    base: Base,
    probe: (() => boolean) | undefined,
    prepared: Prepared,
    found: Decoded<DecodedProof>,
  ): Promise<Gate> {
    if (!found.ok) return reject(prepared, found.error, base)
    // Read the signal now: some servers (@hono/node-server) only start watching the connection once it is read,
    // and a client that leaves during verification must not be charged. Only a request that pays needs it, and
    // reading it costs a full Request on those servers, so free and unpaid requests skip it; an adapter that can
    // tell more cheaply passes `isAborted` instead.
    const isAborted = probe ?? signalProbe(request.signal)
    const proof = found.value
    const offer = offerFor(prepared, proof)
    if (!offer) {
      const error = new TollgateError('no_matching_requirements', 'The payment is for an offer this route does not make (scheme, network, amount, asset or payee differ).')
      return reject(prepared, error, base, proof)
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
      ...(speculative ? { speculative } : {}),
    })

    const singleUse = offer.option.singleUse
    // Only a single-use payment is locked, marked used and kept under its id.
    const id = singleUse ? paymentId(proof, offer.requirements.network, tokenHash) : ''
    const lockKey = singleUse ? 'tg:lock:' + id : ''
    const usedKey = singleUse ? 'tg:used:' + id : ''
    let locked = false
    // A value of this request's own, so that releasing never removes a lock that expired and was taken since.
    // Random once per paywall, then counted: getRandomValues per request cost 15% of a paid request's CPU.
    const lockValue = singleUse ? (lockOwner ||= Array.from(crypto.getRandomValues(new Uint32Array(2)), (n) => n.toString(36)).join('') + ':') + ++lockCount : ''
    const release = () => {
      if (!locked) return
      locked = false
      releaseLock(
        () => store.deleteIf(lockKey, lockValue),
        () => emit?.('store.error', { ...fields(), reason: 'lock_release_failed' }),
      )
    }
    const idempotency = settings.idempotency
    const paymentKey = singleUse ? 'tg:idem:pay:' + id : ''

    if (singleUse && idempotency) {
      const stored = await store.get<StoredResponse>(paymentKey)
      if (stored && stored.resource === prepared.resource.url) {
        emit?.('replay.served', { ...fields(), status: stored.status })
        return respond(replayResponse(stored))
      }
    }
    if (singleUse) {
      if (await store.get(usedKey)) {
        return reject(prepared, new TollgateError('payment_already_used', 'This payment was already used for another request.'), base, proof, tokenHash)
      }
      const verifyMs = route.config.verifyTimeoutMs ?? settings.verifyTimeoutMs
      const settleMs = route.config.settleTimeoutMs ?? settings.settleTimeoutMs
      locked = await store.add(lockKey, lockValue, verifyMs + settleMs + LOCK_MARGIN_MS)
      if (!locked) {
        return reject(prepared, new TollgateError('payment_in_use', 'This payment is being used by another request right now.'), base, proof, tokenHash)
      }
    }

    const verifyRequest = buildVerifyRequest(prepared, offer, proof)
    const started = Date.now()
    // What verification decided: the verified payment, or the Response that refuses it (402, 499, 502, 504).
    const failed = (error: unknown): Response => {
      release()
      const failure = isTollgateError(error) ? error : new TollgateError('facilitator_error', String(error))
      emit?.('verify.error', { ...fields(), reason: failure.code, status: failure.status, durationMs: Date.now() - started })
      return sendError(failure)
    }
    let requestKey: string | undefined
    const admit = (verification: VerifyResult): VerifyResult | Response => {
      if (!isAborted()) return verification
      release()
      emit?.('client.aborted', { ...fields(), status: 499 })
      return sendError(new TollgateError('client_aborted', 'The client went away before the handler ran; nothing was charged.'))
    }
    const judge = (outcome: VerifyOutcome): VerifyResult | Response | Promise<VerifyResult | Response> => {
      const verification = outcome.result
      if (outcome.shared) emit?.('verify.cached', fields())
      if (!verification.isValid) {
        release()
        const reason = verification.invalidReason ?? 'payment_invalid'
        const message = verification.invalidMessage ?? `The facilitator refused the payment: ${reason}.`
        const eventBase = speculative ? { ...base, speculative } : base
        return responseOf(reject(prepared, new TollgateError('payment_invalid', message, { reason }), eventBase, proof, tokenHash, Date.now() - started))
      }
      emit?.('verify.valid', { ...fields(), payer: verification.payer, amount: offer.amount, durationMs: Date.now() - started })
      const clientKey = idempotency && verification.payer ? idempotencyKeyOf(headers) : undefined
      requestKey = clientKey && `tg:idem:key:${verification.payer!.toLowerCase()}|${prepared.resource.url}|${clientKey}`
      if (!requestKey) return admit(verification)
      return store.get<StoredResponse>(requestKey).then(
        (stored) => {
          if (!stored) return admit(verification)
          release()
          emit?.('replay.served', { ...fields(), payer: verification.payer, status: stored.status })
          return replayResponse(stored)
        },
        (error: unknown) => {
          release() // nothing was charged: the payment must stay usable once the Store is back
          throw error
        },
      )
    }
    const pending = verifier.verify(verifyCacheKey(proof, offer, tokenHash), verifyRequest, route.config.verifyTimeoutMs ?? settings.verifyTimeoutMs)
    // Speculative handling: on a read-only route (or one marked speculative) the handler starts while the
    // facilitator verifies; the session holds its answer until verification decided (docs/state-machine.md).
    // Not when an Idempotency-Key may name a kept answer: that is known only once verification names the payer,
    // and a replay must not run the handler again.
    speculative = singleUse && pending instanceof Promise && speculativeRoute(route, method) && !(idempotency && idempotencyKeyOf(headers))
    emit?.('verify.start', { ...fields(), amount: offer.amount })
    let verification: VerifyResult | undefined
    let verdict: Promise<VerifyResult | Response> | undefined
    if (speculative) {
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
      if (decided instanceof Response) return respond(decided)
      verification = decided
    }

    const session = createSession({
      isAborted,
      prepared,
      offer,
      proof,
      tokenHash,
      verifyRequest,
      verification,
      verdict,
      facilitator,
      settleTimeoutMs: route.config.settleTimeoutMs ?? settings.settleTimeoutMs,
      onSettleFailure: route.config.onSettleFailure ?? settings.onSettleFailure,
      emit,
      fields,
      // Nothing to record for a reusable payment: no promise either.
      consume: singleUse ? () => store.set(usedKey, 1, consumedTtlMs(proof)) : undefined,
      release,
      enqueue: async (settleRequest: SettleRequest) => {
        const now = Date.now()
        await outbox.add({
          request: settleRequest,
          attempts: 1,
          dueAt: now,
          expiresAt: authorizationExpiresAt(proof) ?? now + DEFAULT_CONSUMED_TTL_MS,
          enqueuedAt: now,
          origin: { ...base, tokenHash },
        })
        emit?.('outbox.enqueued', { ...fields(), payer: settleRequest.verification?.payer, amount: settleRequest.amount })
        if (!options.outbox) worker.start()
      },
      keep: (response) => {
        if (!idempotency || (!singleUse && !requestKey)) return response
        const keys = [singleUse ? paymentKey : undefined, requestKey].filter((key): key is string => !!key)
        return keepResponse(response, prepared.resource.url, idempotency.maxBodyBytes, async (stored) => {
          await Promise.all(keys.map((key) => store.set(key, stored, idempotency.ttlMs)))
        })
      },
    })
    if ((route.config.settle ?? settings.settle) === 'before') {
      const outcome = await session.settle(200)
      if (!outcome.ok) return respond(outcome.response)
    }
    return { kind: 'paid', session }
  }

  /** Whether the handler may start before verification answers: read-only routes by default, or as marked. */
  function speculativeRoute(route: CompiledRoute, method: string): boolean {
    if ((route.config.settle ?? settings.settle) === 'before') return false
    return route.config.speculative ?? settings.speculative ?? method === 'GET'
  }

  function reject(prepared: Prepared, error: TollgateError, base: Base, proof?: DecodedProof, tokenHash?: string, durationMs?: number): Gate {
    if (emit) {
      const event: Omit<PaywallEvent, 'type' | 'at'> = { ...base, reason: error.reason, status: error.status }
      if (proof) event.x402Version = proof.x402Version
      if (tokenHash) event.tokenHash = tokenHash
      if (durationMs !== undefined) event.durationMs = durationMs
      emit(error.code === 'payment_invalid' ? 'verify.invalid' : 'payment.rejected', event)
    }
    if (error.status !== 402) return respond(sendError(error))
    return respond(send402(render402(prepared.paymentRequired, error.reason), prepared.paymentRequired))
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

  /** Route matching normalises the path: done once per method and distinct path. */
  function routeFor(method: string, pathname: string): CompiledRoute | undefined {
    let memo = routeMemos.get(method)
    if (memo === undefined) {
      // Methods come from clients: past a few dozen (HTTP has about 40), match without a memo.
      if (routeMemos.size >= 64) return matchRoute(routes, method, pathname)
      memo = createUrlMemo((path) => matchRoute(routes, method, path) ?? null)
      routeMemos.set(method, memo)
    }
    return memo(pathname) ?? undefined
  }

  async function handle(request: Request, next: NextHandler, options?: CheckOptions): Promise<Response> {
    const decided = decide(request, options)
    const decision = decided instanceof Promise ? await decided : decided
    if (decision.kind === 'respond') return decision.response
    if (decision.kind === 'free') return next(request, decision.ctx)
    const { session } = decision
    let response: Response
    try {
      response = await next(request, session.ctx)
      // By tag, not only instanceof: @hono/node-server swaps the global Response, and Response.json() still makes the original.
      if (!(response instanceof Response) && Object.prototype.toString.call(response) !== '[object Response]') throw new TypeError('The handler did not return a Response.')
    } catch (error) {
      // A speculative run that threw while its payment was being refused answers the refusal (402, 502, 504).
      const refused = session.speculative ? await session.refusal() : undefined
      return refused ?? session.fail(error)
    }
    const outcome = await session.settle(response.status)
    if (!outcome.ok) {
      // The paid body must not go out: drop the handler's stream unread.
      response.body?.cancel().catch(() => {})
      return outcome.response
    }
    return session.keep(withHeaders(response, outcome.headers))
  }

  return {
    check,
    handle,
    protect: (handler) => (request) => handle(request, handler),
    outbox: worker,
    close: () => worker.stop(),
  }
}

type Base = Pick<PaywallEvent, 'route' | 'method' | 'path'>

/** The answer to a failure the state machine did not expect (or a Store that is down): nothing was charged. */
function unexpected(error: unknown): Response {
  const failure = isTollgateError(error)
    ? error
    : new TollgateError('handler_error', 'The paywall failed unexpectedly; nothing was charged.', {}, { cause: error })
  return sendError(failure)
}

function unexpectedGate(error: unknown): Gate {
  return { kind: 'respond', response: unexpected(error) }
}

function responseOf(gate: Gate): Response {
  return (gate as { response: Response }).response
}

function signalProbe(signal: AbortSignal): () => boolean {
  return () => signal.aborted
}

function respond(response: Response): Gate {
  return { kind: 'respond', response }
}

function findOffer(prepared: Prepared, proof: DecodedProof): PreparedOffer | undefined {
  const offers = prepared.offers.map((offer) => offer.requirements)
  const match: PaymentRequirements | undefined =
    proof.x402Version === 2 ? matchAccepted(proof.payload.accepted, offers) : matchV1(proof.payload, offers)
  return match && prepared.offers.find((offer) => offer.requirements === match)
}

function buildVerifyRequest(prepared: Prepared, offer: PreparedOffer, proof: DecodedProof): VerifyRequest {
  const request: VerifyRequest = {
    x402Version: proof.x402Version,
    token: proof.raw,
    proof,
    requirements: offer.requirements,
    paymentRequired: prepared.paymentRequired,
    amount: offer.amount,
  }
  if (proof.x402Version === 1) {
    const v1 = toV1Requirements(offer.requirements, prepared.resource)
    if (v1) request.requirementsV1 = v1
  }
  return request
}

/** The in-memory store's synchronous read, when the cache store is one. */
function syncReadOf(store: { getSync?: unknown; get: unknown }): SyncRead | undefined {
  const getSync = store.getSync
  return typeof getSync === 'function' ? (key) => getSync.call(store, key) : undefined
}

/** Keep a consumed payment until its authorisation expires (EIP-3009 validBefore), else a day. */
function consumedTtlMs(proof: DecodedProof): number {
  const expiresAt = authorizationExpiresAt(proof)
  if (expiresAt === undefined) return DEFAULT_CONSUMED_TTL_MS
  return Math.min(Math.max(expiresAt - Date.now(), 60_000), 7 * DEFAULT_CONSUMED_TTL_MS)
}
