// createPaywall: the verify -> handle -> settle state machine, once, for every adapter and transport. Phase one
// is check() (gate.ts for a request that pays), phase two is session.finish() (session.ts); handle() runs both
// around a fetch-style handler, and checkPayment(paywall, ...) (structured.ts) is the same path with objects.
import { TollgateError } from '../errors.js'
import { createEmitter } from './events.js'
import { createGate, unexpectedError } from './gate.js'
import { resolveOptions } from './options.js'
import { createPreparer, type Prepared } from './prepare.js'
import { httpRenderer } from './render.js'
import { send402, sendError, wantsHtml, withHeaders } from './responses.js'
import { compileRoutes, matchRoute, type CompiledRoute } from './routes.js'
import { withFacilitatorExtra } from '../requirements/facilitator-extra.js'
import type { CheckOptions, Gate, NextHandler, Outcome, PaymentContext, Paywall, PaywallOptions } from './types.js'
import { createVerifier, type SyncRead } from './verifier.js'
import { createProofReader } from './proof-reader.js'
import { failClosed, failOpen } from './guarded-store.js'
import { createOutboxWorker } from './outbox-worker.js'
import { createUrlMemo } from './url-memo.js'
import { memoryOutbox } from '../store/memory-outbox.js'
import { registerEntry } from './entry.js'
import type { ServiceDeps } from '../schemes/contract.js'

const FREE_CONTEXT: PaymentContext = Object.freeze({
  payer: undefined,
  payment: undefined,
  charged: undefined,
  charge() {
    throw new TollgateError('charge_unsupported', 'ctx.charge() was called on a request that is not paid.')
  },
  settleWith() {
    throw new TollgateError('charge_unsupported', 'ctx.settleWith() was called on a request that is not paid.')
  },
})
const FREE: Gate = Object.freeze({ kind: 'free', ctx: FREE_CONTEXT })

export function createPaywall(options: PaywallOptions): Paywall {
  const settings = resolveOptions(options)
  const { facilitator } = options
  const emit = createEmitter(options.onEvent)
  // Schemes' work beside requests (batch-settlement's claims), started with their options, ended by close().
  const deps: ServiceDeps = { store: settings.store, emit, facilitator, services: [] }
  const routes = compileRoutes(options.routes).map((route) => {
    // An extension whose work is the facilitator's (gas sponsoring) checks that the facilitator says it does it.
    for (const extension of route.config.extensions ?? []) extension.checkFacilitator?.(route, facilitator)
    return { ...route, options: route.options.map((option, i) => withFacilitatorExtra(option, facilitator, `routes["${route.key}"].accepts[${i}]`, route.method, deps)) }
  })
  const prepare = createPreparer(settings)
  const readProof = createProofReader(settings.maxHeaderBytes)
  const pathnameOf = createUrlMemo((url) => new URL(url).pathname)
  const routeMemos = new Map<string, (pathname: string) => CompiledRoute | null>()
  const outbox = options.outbox ?? memoryOutbox()
  const worker = createOutboxWorker(outbox, facilitator, settings.settleTimeoutMs, emit, options.outboxWorker)
  // An outbox given explicitly may hold entries from before a restart: work on it from the start.
  if (options.outbox) worker.start()
  const gate = createGate({
    settings,
    facilitator,
    store: failClosed(settings.store),
    verifier: createVerifier(facilitator, failOpen(settings.cacheStore), settings.verifyCacheTtlMs, syncReadOf(settings.cacheStore)),
    emit,
    outbox,
    worker,
    outboxGiven: options.outbox !== undefined,
  })

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
      if (found !== null && !head) {
        // Read the signal now: some servers (@hono/node-server) only start watching the connection once it is
        // read, and a client that leaves during verification must not be charged. Only a request that pays needs
        // it, and reading it costs a full Request on those servers, so free and unpaid requests skip it; an
        // adapter that can tell more cheaply passes `isAborted` instead.
        const isAborted = found.ok ? (options?.isAborted ?? signalProbe(request.signal)) : never
        return (gate(httpRenderer, headers, method, route, base, isAborted, prepared, found) as Promise<Gate>).catch(unexpectedGate)
      }
      // HEAD only discovers the price: it never runs a paid handler, so it never pays.
      const html = !head && settings.htmlPaywall && wantsHtml(headers)
      // Extensions that answer per request (a sign-in, a fresh challenge): a signed-in payer runs the handler unpaid.
      if (route.steps) return route.steps.unpaid(route.config.extensions!, request, headers, prepared, settings.store, head, html, emit, base).catch(unexpectedGate)
      emit?.('payment.required', { ...base, status: 402 })
      return { kind: 'respond', response: send402(prepared.unpaid, prepared.paymentRequired, { html, head }) }
    }
    // A request without a payment on a route with fixed prices is answered from memory, without a promise.
    try {
      const preparing = prepare(route, request, pathname)
      return preparing instanceof Promise ? preparing.then(open).catch(unexpectedGate) : open(preparing)
    } catch (error) {
      return unexpectedGate(error)
    }
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
    let response: Response | undefined
    let outcome: Outcome
    try {
      response = await next(request, session.ctx)
      // By tag, not only instanceof: @hono/node-server swaps the global Response, and Response.json() still makes the original.
      if (!(response instanceof Response) && Object.prototype.toString.call(response) !== '[object Response]') throw new TypeError('The handler did not return a Response.')
      outcome = { kind: 'head', status: response.status }
    } catch (error) {
      response = undefined
      outcome = { kind: 'threw', error }
    }
    const instruction = await session.finish(outcome)
    if (instruction.kind === 'send') return session.keep(withHeaders(response!, instruction.headers))
    // The paid body must not go out: drop the handler's stream unread.
    response?.body?.cancel().catch(() => {})
    // A cut: nobody is left to answer (handle() never reports a departure itself).
    return instruction.kind === 'replace' ? instruction.response : new Response(null, { status: 499 })
  }

  const paywall: Paywall = {
    check,
    handle,
    protect: (handler) => (request) => handle(request, handler),
    outbox: worker,
    async close() {
      await worker.stop()
      for (const service of deps.services) await service.close()
    },
  }
  // What the structured entry (checkPayment) needs of this paywall; only an app that imports it carries its code.
  registerEntry(paywall, { routeFor, prepare, gate, emit, maxHeaderBytes: settings.maxHeaderBytes, free: FREE_CONTEXT })
  return paywall
}

function unexpectedGate(error: unknown): Gate {
  return { kind: 'respond', response: sendError(unexpectedError(error)) }
}

function signalProbe(signal: AbortSignal): () => boolean {
  return () => signal.aborted
}

const never = () => false

/** The in-memory store's synchronous read, when the cache store is one. */
function syncReadOf(store: { getSync?: unknown; get: unknown }): SyncRead | undefined {
  const getSync = store.getSync
  return typeof getSync === 'function' ? (key) => getSync.call(store, key) : undefined
}
