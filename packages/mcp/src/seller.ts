// Paid MCP tools. A tools/call becomes a synthetic `POST <resource>` Request with its `_meta["x402/payment"]` in
// the PAYMENT-SIGNATURE header; the core's paywall decides (verify, replay guard, deadlines); the tool runs;
// `session.settle` charges once for a delivered result. The engine's Responses are turned back into tool results.
import type { BaseToolCallback, McpServer, RegisteredTool, ToolCallback } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type { CallToolResult, ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js'
import { normalizeObjectSchema, safeParseAsync, type AnySchema, type ZodRawShapeCompat } from '@modelcontextprotocol/sdk/server/zod-compat.js'
import {
  createPaywall,
  memoryStore,
  toPaywallOptions,
  TollgateError,
  type Facilitator,
  type Gate,
  type PaymentContext,
  type PaymentSession,
  type Paywall,
  type RoutePaywallOptions,
  type Store,
} from '@tollgate/x402'
import { fromEngineResponse, type UnpaidProbe } from './convert.js'
import { paymentHeaders } from './payment-header.js'
import { priceOf } from './price.js'
import { PAYMENT_META_KEY, PAYMENT_RESPONSE_META_KEY, PRICE_META_KEY, isObject, toolError } from './wire.js'

/** What a paid tool accepts and the paywall's policies: the same names as the HTTP adapters' inline options. */
export interface PaidToolOptions extends Omit<RoutePaywallOptions, 'routes' | 'baseUrl' | 'trustProxy' | 'htmlPaywall'> {
  /**
   * The URL payments for this tool are bound to and the payment-required result names, e.g.
   * `https://api.example.com/tools/search`. Default `mcp://tool/<name>`, as the x402 MCP transport writes it.
   */
  resource?: string
}

/** The handler's `extra`: the SDK's request context plus `payment` (who paid, `charge(n)` for usage prices). */
export type PaidToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification> & { payment: PaymentContext }

/** A paid tool's handler: the SDK's tool callback shape, with `extra.payment`. */
export type PaidToolCallback<Args extends undefined | ZodRawShapeCompat | AnySchema = undefined> = BaseToolCallback<CallToolResult, PaidToolExtra, Args>

/** `registerTool`'s config. */
export interface PaidToolConfig<InputArgs, OutputArgs> {
  title?: string
  description?: string
  inputSchema?: InputArgs
  outputSchema?: OutputArgs
  annotations?: ToolAnnotations
  _meta?: Record<string, unknown>
}

/**
 * Registers a paid tool on `server`: `registerTool(name, config, handler)` with the payment options in between.
 * Free tools registered the usual way sit beside it. The tool's definition (tools/list) carries what it accepts
 * in `_meta["tollgate/accepts"]`.
 */
export function paidTool<OutputArgs extends ZodRawShapeCompat | AnySchema, InputArgs extends undefined | ZodRawShapeCompat | AnySchema = undefined>(
  server: McpServer,
  name: string,
  options: PaidToolOptions,
  config: PaidToolConfig<InputArgs, OutputArgs>,
  handler: PaidToolCallback<InputArgs>,
): RegisteredTool {
  const callback = paid(name, options, handler, config.outputSchema)
  const _meta = { ...config._meta, [PRICE_META_KEY]: priceOf(options) }
  return server.registerTool(name, { ...config, _meta }, callback)
}

/**
 * Wraps a tool handler for `server.registerTool(name, config, paid(name, options, handler))`. Give the tool's
 * `outputSchema` as the last argument when it has one, so that a result the SDK would refuse is not charged.
 */
export function paid<Args extends undefined | ZodRawShapeCompat | AnySchema = undefined>(
  name: string,
  options: PaidToolOptions,
  handler: PaidToolCallback<Args>,
  outputSchema?: ZodRawShapeCompat | AnySchema,
): ToolCallback<Args> {
  if (typeof name !== 'string' || name === '') invalid('name', 'the tool name, a non-empty string')
  if (typeof handler !== 'function') invalid('handler', 'a function (args, extra) => CallToolResult')
  const paywall = paywallFor(options)
  const resource = resourceOf(name, options.resource)
  const keeps = options.idempotency !== undefined && options.idempotency !== false
  const run = handler as (...params: unknown[]) => CallToolResult | Promise<CallToolResult>
  // The SDK calls (args, extra) when the tool has an input schema and (extra) when it has none.
  const callback = (...params: unknown[]) => {
    const hasArgs = params.length >= 2
    const args = hasArgs ? params[0] : undefined
    const extra = (hasArgs ? params[1] : params[0]) as RequestHandlerExtra<ServerRequest, ServerNotification>
    return callPaid({ paywall, resource, args, extra, outputSchema, keeps }, (payment) =>
      hasArgs ? run(args, { ...extra, payment }) : run({ ...extra, payment }),
    )
  }
  return callback as unknown as ToolCallback<Args>
}

interface PaidCall {
  paywall: Paywall
  resource: string
  args: unknown
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>
  outputSchema: ZodRawShapeCompat | AnySchema | undefined
  /** The seller turned idempotent retries on: paid results are kept. */
  keeps: boolean
}

async function callPaid(call: PaidCall, run: (payment: PaymentContext) => CallToolResult | Promise<CallToolResult>): Promise<CallToolResult> {
  const { paywall, resource, extra } = call
  const body = JSON.stringify(call.args ?? {})
  const request = (headers?: Headers) => new Request(resource, { method: 'POST', headers, body })
  const isAborted = () => extra.signal?.aborted === true
  const probe: UnpaidProbe = () => paywall.check(request())
  const raw = extra._meta?.[PAYMENT_META_KEY]
  const elsewhere = boundElsewhere(raw, resource)
  if (elsewhere) return fromEngineResponse(await paywallResponse(await probe()), probe, `payment_for_another_resource: ${elsewhere}`)

  const gate = await paywall.check(request(raw === undefined ? undefined : paymentHeaders(raw)), { isAborted })
  if (gate.kind === 'respond') return fromEngineResponse(gate.response, probe)
  if (gate.kind === 'free') return run(gate.ctx)
  return deliver(gate.session, call, run, probe)
}

/** Runs the tool, then settles a delivered result exactly once; anything else is not charged. */
async function deliver(session: PaymentSession, call: PaidCall, run: (payment: PaymentContext) => CallToolResult | Promise<CallToolResult>, probe: UnpaidProbe): Promise<CallToolResult> {
  let result: CallToolResult
  try {
    result = await run(session.ctx)
    if (!isObject(result)) throw new TypeError('The tool did not return a CallToolResult.')
  } catch (error) {
    session.fail(error)
    return toolError(`${error instanceof Error ? error.message : String(error)} (nothing was charged)`)
  }
  const refused = result.isError === true ? undefined : await outputProblem(call.outputSchema, result)
  if (result.isError === true || refused) {
    // Not a delivered result: nothing is settled, and the payment stays usable.
    await session.settle(500)
    return refused ? toolError(`${refused} (nothing was charged)`) : result
  }
  const outcome = await session.settle(200)
  if (!outcome.ok) return fromEngineResponse(outcome.response, probe)
  const delivered: CallToolResult = outcome.receipt ? { ...result, _meta: { ...result._meta, [PAYMENT_RESPONSE_META_KEY]: outcome.receipt } } : result
  if (call.keeps) keepForReplay(session, delivered)
  return delivered
}

/** The engine keeps paid answers for idempotent retries: hand it ours, as the Response it stores. */
function keepForReplay(session: PaymentSession, result: CallToolResult): void {
  const kept = session.keep(new Response(JSON.stringify(result), { status: 200, headers: { 'Content-Type': 'application/json' } }))
  kept.body?.cancel().catch(() => {})
}

/** The SDK checks structuredContent against outputSchema after the tool returns: do it first, so a refused result is not paid. */
async function outputProblem(schema: ZodRawShapeCompat | AnySchema | undefined, result: CallToolResult): Promise<string | undefined> {
  if (schema === undefined) return undefined
  if (!result.structuredContent) return 'The tool has an output schema but returned no structured content'
  const object = normalizeObjectSchema(schema)
  if (!object) return undefined
  const parsed = await safeParseAsync(object, result.structuredContent)
  return parsed.success ? undefined : 'The tool returned structured content that does not match its output schema'
}

/** A v2 payment names the resource it was made for: one made for another tool or URL is not taken here. */
function boundElsewhere(raw: unknown, resource: string): string | undefined {
  if (!isObject(raw) || !isObject(raw.resource) || typeof raw.resource.url !== 'string') return undefined
  return raw.resource.url === resource ? undefined : `the payment was made for ${raw.resource.url}, not ${resource}`
}

async function paywallResponse(gate: Gate): Promise<Response> {
  if (gate.kind === 'respond') return gate.response
  if (gate.kind === 'paid') gate.session.abort()
  throw new TollgateError('handler_error', 'The paywall did not ask an unpaid call to pay.')
}

// One paywall per options object: tools sharing a price share it, and servers made per session reuse it.
const paywalls = new WeakMap<PaidToolOptions, Paywall>()
// Tools on one facilitator share one in-memory replay guard unless a store is given.
const stores = new WeakMap<Facilitator, Store>()

function paywallFor(options: PaidToolOptions): Paywall {
  if (!isObject(options)) invalid('options', '{ accepts, facilitator, ... }')
  const known = paywalls.get(options)
  if (known) return known
  if (options.resource !== undefined) resourceOf('tool', options.resource)
  const { resource: _resource, ...rest } = options
  const facilitator = rest.facilitator
  let store = rest.store
  if (store === undefined && isObject(facilitator)) {
    store = stores.get(facilitator) ?? memoryStore()
    stores.set(facilitator, store)
  }
  // Tool arguments vary per call, so a kept answer is not replayed for another call unless the seller opts in.
  const paywall = createPaywall(toPaywallOptions({ ...rest, idempotency: rest.idempotency ?? false, store, htmlPaywall: false }))
  paywalls.set(options, paywall)
  return paywall
}

function resourceOf(name: string, resource: string | undefined): string {
  if (resource === undefined) return `mcp://tool/${encodeURIComponent(name)}`
  let url: URL
  try {
    url = new URL(resource)
  } catch {
    return invalid('resource', 'an absolute URL such as https://api.example.com/tools/search or mcp://tool/search')
  }
  if (url.search !== '' || url.hash !== '') invalid('resource', 'a URL without query or fragment')
  return url.href
}

function invalid(path: string, expected: string): never {
  throw new TollgateError('invalid_options', `paidTool: ${path} must be ${expected}.`, { path, expected })
}
