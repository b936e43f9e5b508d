// @tollgate/hono: the paywall as Hono middleware. The state machine stays in the core: this file only
// hands Hono's Request to paywall.handle and puts the answer back on the context.
import type { Context, Env, MiddlewareHandler } from 'hono'
import { createPaywall, isBodyHeader, toPaywallOptions, type AdapterOptions, type CheckOptions, type Closable, type PaymentContext } from '@tollgate/x402'

export * from '@tollgate/x402'

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by `paywall()`: who paid (`payment`), and `charge(n)` for usage prices. */
    payment: PaymentContext
  }
}

/** For apps typed with an explicit Env: `new Hono<PaywallEnv>()`. */
export type PaywallEnv = { Variables: { payment: PaymentContext } }

/** Options: one route's `{ accepts, facilitator, ... }` (every request the middleware sees), or `{ routes, facilitator, ... }`. */
export type HonoPaywallOptions = AdapterOptions

/** The middleware, and `close()` for shutdown (its paywall's: the outbox worker stops, batch channels are claimed). */
export type PaywallMiddleware<E extends Env = Env> = MiddlewareHandler<E> & Closable

/**
 * x402 paywall middleware. Mount it on one route with `accepts`, or app-wide with a routes map.
 * The handler reads `c.get('payment')`; `await middleware.close()` on shutdown.
 */
export function paywall<E extends Env = Env>(options: HonoPaywallOptions): PaywallMiddleware<E> {
  const core = createPaywall(toPaywallOptions(options))
  const middleware = (async (c, next) => {
    const response = await core.handle(
      c.req.raw,
      async (_request, ctx) => {
        c.set('payment' as never, ctx as never)
        await next()
        // Hono turns a thrown handler error into c.error plus onError's answer; the core must see the throw
        // so that nothing is settled.
        if (c.error) throw c.error
        return c.res
      },
      nodeBindings(c),
    )
    if (response !== c.res) replaceResponse(c, response)
  }) as PaywallMiddleware<E>
  // core.close uses no `this`: passed as it is, not through withClose (a helper used once costs bytes in every Hono bundle).
  middleware.close = core.close
  return middleware
}

interface NodeBindings {
  incoming?: { headers?: Record<string, string | string[] | undefined> }
  outgoing?: { destroyed?: unknown; socket?: { destroyed?: boolean } | null }
}

/**
 * On Node (@hono/node-server, whose bindings are `c.env.incoming` and `c.env.outgoing`) the headers Node already
 * parsed are read directly, and whether the client left is read off the connection: `request.headers` and
 * `request.signal` there would build a Headers and a whole second Request per paid call. Elsewhere the core's
 * defaults apply.
 */
function nodeBindings(c: Context): CheckOptions | undefined {
  const { incoming, outgoing } = (c.env ?? {}) as NodeBindings
  if (!incoming?.headers || !outgoing || typeof outgoing.destroyed !== 'boolean') return undefined
  return {
    headers: new ParsedHeaders(incoming.headers),
    isAborted: () => outgoing.destroyed === true || outgoing.socket?.destroyed === true,
  }
}

/** Node's parsed headers (lower-case names) as a HeaderReader; a class, so that a request allocates one object. */
class ParsedHeaders {
  // Declared, not a parameter property: that would also emit a class field, bytes in every Hono bundle.
  private declare readonly parsed: Record<string, string | string[] | undefined>

  constructor(parsed: Record<string, string | string[] | undefined>) {
    this.parsed = parsed
  }

  get(name: string): string | null {
    // The engine asks in lower case; anyone else may not.
    const value = this.parsed[name] ?? this.parsed[name.toLowerCase()]
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
  }
}

/**
 * Hono's `c.res = x` copies every header of the old response over x's (Cache-Control and Content-Length too).
 * Keep only what earlier middleware added (CORS, cookies) and let the paywall's own headers win.
 */
function replaceResponse(c: Context, response: Response): void {
  const previous = c.res.headers
  c.res = undefined
  try {
    for (const [name, value] of previous) {
      if (name === 'set-cookie') response.headers.append(name, value)
      else if (!isBodyHeader(name) && !response.headers.has(name)) response.headers.set(name, value)
    }
  } catch {
    // Immutable headers: send the paywall's answer as it is.
  }
  c.res = response
}
