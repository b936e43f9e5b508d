// @tollgate/fastify: the paywall as a Fastify plugin. The core's two phases run across Fastify's hooks:
// check() in preHandler, session.finish() in onSend (before any byte goes out; a stream payload is not read
// before the client reads it) or in onError, and on the connection's close.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import {
  TollgateError,
  createPaywall,
  memoryStore,
  toPaywallOptions,
  type Instruction,
  type Paywall,
  type PaymentContext,
  type PaymentSession,
  type PaywallOptions,
  type RouteConfig,
} from '@tollgate/x402'
import { closeAll } from './close-all.js'
import { keep } from './keep.js'
import { toFetchRequest } from './request.js'

export * from '@tollgate/x402'

/** One route's payment config, given as `config: { paywall: { accepts } }` in the route's options. */
export type FastifyRoutePaywall = RouteConfig

/** The plugin's options: the paywall's (facilitator, policies), with or without a routes map. */
export type FastifyPaywallOptions = Omit<PaywallOptions, 'routes'> & { routes?: PaywallOptions['routes'] }

declare module 'fastify' {
  interface FastifyRequest {
    /** Who paid (`payment`) and `charge(n)`; on routes that are not paid, `payment` is undefined. */
    payment: PaymentContext
  }
  interface FastifyContextConfig {
    paywall?: FastifyRoutePaywall
  }
}

// `thrown`: phase two's answer to a handler error, applied in onSend (Fastify's own error answer, or a refusal).
const sessions = new WeakMap<FastifyRequest, { session: PaymentSession; done: boolean; thrown?: Promise<Instruction> }>()

const plugin: FastifyPluginAsync<FastifyPaywallOptions> = async (fastify, options) => {
  const facilitator = options?.facilitator as Partial<PaywallOptions['facilitator']> | undefined
  if (!facilitator || typeof facilitator.verify !== 'function' || typeof facilitator.settle !== 'function') {
    throw new TollgateError('invalid_options', 'fastifyPaywall: option "facilitator" is invalid; expected a Facilitator with verify() and settle().', { path: 'facilitator' })
  }
  // Per-route paywalls share one store, so a single-use payment is guarded across routes.
  const shared = { ...options, store: options.store ?? memoryStore({ maxEntries: 100_000 }) }
  const mapped = options.routes ? createPaywall(shared as PaywallOptions) : undefined
  const perRoute = new WeakMap<object, Paywall>()
  // Every paywall made here, closed with the app (`await app.close()`): batch channels claimed, the outbox stopped.
  const made: Paywall[] = mapped ? [mapped] : []
  fastify.decorateRequest('payment', null as unknown as PaymentContext)
  // Each one, even after another failed to close; then the failure, or an AggregateError when several failed.
  fastify.addHook('onClose', async () => closeAll(made))

  // Built when the route is added, so a bad route config fails at start-up.
  fastify.addHook('onRoute', (route) => {
    const config = route.config?.paywall
    if (config && !perRoute.has(config)) {
      const paywall = createPaywall(toPaywallOptions({ ...shared, ...config, routes: undefined }))
      perRoute.set(config, paywall)
      made.push(paywall)
    }
  })

  fastify.addHook('preHandler', async (request, reply) => {
    const config = request.routeOptions.config?.paywall
    const paywall = config ? perRoute.get(config) : mapped
    if (!paywall) return
    const gate = await paywall.check(toFetchRequest(request, reply))
    // Sent as status, headers and body: Fastify's HEAD routes cannot send a Response object.
    if (gate.kind === 'respond') return reply.send(unwrap(reply, gate.response) ?? undefined)
    if (gate.kind === 'free') {
      request.payment = gate.ctx
      return
    }
    const entry = { session: gate.session, done: false }
    sessions.set(request, entry)
    request.payment = gate.session.ctx
    // A hijacked reply or a client that left never reaches onSend: release the payment, settle nothing.
    reply.raw.once('close', () => {
      if (!entry.done) (entry.done = true), void entry.session.finish({ kind: 'left' })
    })
  })

  fastify.addHook('onError', async (request, _reply, error) => {
    const entry = sessions.get(request)
    if (!entry || entry.done || entry.thrown) return
    // Fastify answers the error itself (its error handler): the core says whether a refusal replaces that answer.
    entry.thrown = entry.session.finish({ kind: 'threw', error, answered: true })
  })

  fastify.addHook('onSend', async (request, reply, payload) => {
    const entry = sessions.get(request)
    if (!entry || entry.done) return payload
    entry.done = true
    if (!entry.thrown && payload instanceof Response) payload = unwrap(reply, payload)
    const instruction = await (entry.thrown ?? entry.session.finish({ kind: 'head', status: reply.statusCode }))
    if (instruction.kind === 'send') {
      if (entry.thrown) return payload
      reply.headers(instruction.headers)
      return keep(entry.session, reply, payload)
    }
    // Fail closed: the handler's body is dropped unread and the paywall's answer goes out instead.
    destroy(payload)
    if (instruction.kind === 'replace') return replaceReply(reply, instruction.response)
    reply.raw.destroy()
    return null
  })
}

/** The paywall plugin: `app.register(fastifyPaywall, { facilitator, routes? })`. */
export const fastifyPaywall = fp(plugin, { fastify: '5.x', name: '@tollgate/fastify' })
export default fastifyPaywall

async function replaceReply(reply: FastifyReply, response: Response): Promise<string> {
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name)
  reply.code(response.status)
  response.headers.forEach((value, name) => reply.header(name, value))
  return response.text()
}

/** A handler's Response becomes status, headers and its body stream, as Fastify would send it. */
function unwrap(reply: FastifyReply, response: Response): ReadableStream | null {
  reply.code(response.status)
  response.headers.forEach((value, name) => reply.header(name, value))
  return response.body
}

function destroy(payload: unknown): void {
  const stream = payload as { destroy?: () => void; cancel?: () => Promise<void> } | null
  if (typeof stream?.destroy === 'function') stream.destroy()
  else if (typeof stream?.cancel === 'function') stream.cancel().catch(() => {})
}
