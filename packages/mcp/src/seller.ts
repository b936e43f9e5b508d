// Paid MCP tools. A tools/call hands its `_meta["x402/payment"]` object to the core's structured entry
// (`paywall.checkPayment`), which decides as for HTTP (verify, replay guard, deadlines); the tool runs;
// `session.finish` charges once for a delivered result. The core's answers are objects, turned into tool results.
import type { BaseToolCallback, McpServer, RegisteredTool, ToolCallback } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type { CallToolResult, ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js'
import { normalizeObjectSchema, safeParseAsync, type AnySchema, type ZodRawShapeCompat } from '@modelcontextprotocol/sdk/server/zod-compat.js'
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js'
import { bazaar } from '@tollgate/x402/extensions'
import {
  checkPayment,
  createPaywall,
  memoryStore,
  toPaywallOptions,
  TollgateError,
  type Facilitator,
  type PaymentContext,
  type Paywall,
  type Store,
  type StructuredInstruction,
  type StructuredSession,
} from '@tollgate/x402'
import { keptResult, refusalResult } from './convert.js'
import type { PaidToolOptions } from './options.js'
import { priceOf } from './price.js'
import { PAYMENT_META_KEY, PAYMENT_RESPONSE_META_KEY, PRICE_META_KEY, isObject, paymentRequiredResult, toolError } from './wire.js'

export type { PaidToolOptions } from './options.js'

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
  const callback = paid(name, withDiscovery(name, options, config), handler, config.outputSchema)
  const _meta = { ...config._meta, [PRICE_META_KEY]: priceOf(options) }
  return server.registerTool(name, { ...config, _meta }, callback)
}

/** `options` with the tool's bazaar declaration added, when it asks for discovery. */
function withDiscovery(name: string, options: PaidToolOptions, config: PaidToolConfig<unknown, unknown>): PaidToolOptions {
  if (!isObject(options) || !options.discovery) return options
  const { example, output } = options.discovery === true ? {} : options.discovery
  // The input schema as tools/list shows it (the SDK's own conversion).
  const shape = normalizeObjectSchema(config.inputSchema as AnySchema | undefined)
  const inputSchema = shape ? toJsonSchemaCompat(shape, { strictUnions: true, pipeStrategy: 'input' }) : { type: 'object', properties: {} }
  const tool = { name, inputSchema, ...(config.description !== undefined ? { description: config.description } : {}), ...(example ? { example } : {}) }
  return { ...options, extensions: [...(options.extensions ?? []), bazaar({ tool, ...(output ? { output } : {}) })] }
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
  // What per-call price functions read: the tool's arguments as a JSON body.
  const request = () => new Request(resource, { method: 'POST', body: JSON.stringify(call.args ?? {}) })
  const raw = extra._meta?.[PAYMENT_META_KEY]
  const elsewhere = boundElsewhere(raw, resource)
  if (elsewhere) {
    const unpaid = await checkPayment(paywall, { resource, request: request() })
    if (unpaid.kind !== 'payment-required') throw new TollgateError('handler_error', 'The paywall did not ask an unpaid call to pay.')
    return paymentRequiredResult({ ...unpaid.paymentRequired, error: `payment_for_another_resource: ${elsewhere}` })
  }
  const isAborted = () => extra.signal?.aborted === true
  const check = await checkPayment(paywall, { resource, method: 'POST', payment: raw, isAborted, request: request() })
  switch (check.kind) {
    case 'payment-required':
      return paymentRequiredResult(check.paymentRequired)
    case 'refused':
      return refusalResult(check)
    case 'kept':
      return keptResult(check)
    case 'free':
      return run(check.ctx)
    default:
      return deliver(check.session, call, run)
  }
}

/** Runs the tool, then settles a delivered result exactly once; anything else is not charged. */
async function deliver(session: StructuredSession, call: PaidCall, run: (payment: PaymentContext) => CallToolResult | Promise<CallToolResult>): Promise<CallToolResult> {
  let result: CallToolResult
  try {
    result = await run(session.ctx)
    if (!isObject(result)) throw new TypeError('The tool did not return a CallToolResult.')
  } catch (error) {
    // The tool error below is our answer, unless the core refuses the payment instead.
    const instruction = await session.finish({ kind: 'threw', error, answered: true })
    return refusedOr(instruction, () => toolError(`${error instanceof Error ? error.message : String(error)} (nothing was charged)`))
  }
  const refused = result.isError === true ? undefined : await outputProblem(call.outputSchema, result)
  if (result.isError === true || refused) {
    // Not a delivered result: nothing is settled, and the payment stays usable.
    const instruction = await session.finish({ kind: 'undelivered' })
    return refusedOr(instruction, () => (refused ? toolError(`${refused} (nothing was charged)`) : result))
  }
  const instruction = await session.finish({ kind: 'delivered' })
  if (instruction.kind !== 'send') return refusedOr(instruction, () => result)
  const delivered: CallToolResult = instruction.receipt ? { ...result, _meta: { ...result._meta, [PAYMENT_RESPONSE_META_KEY]: instruction.receipt } } : result
  // The engine keeps paid answers for idempotent retries: hand it ours.
  if (call.keeps) session.keep({ body: JSON.stringify(delivered) })
  return delivered
}

/** The core's refusal as a tool result when it replaced the answer; else the answer. */
function refusedOr(instruction: StructuredInstruction, answer: () => CallToolResult): CallToolResult {
  if (instruction.kind === 'replace') return refusalResult(instruction.refusal)
  if (instruction.kind === 'cut') return toolError('The call was cancelled; nothing was charged. (client_aborted)')
  return answer()
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

// One paywall per options object: tools sharing a price share it, and servers made per session reuse it.
const paywalls = new WeakMap<PaidToolOptions, Paywall>()
// Tools on one facilitator share one in-memory replay guard unless a store is given.
const stores = new WeakMap<Facilitator, Store>()

function paywallFor(options: PaidToolOptions): Paywall {
  if (!isObject(options)) invalid('options', '{ accepts, facilitator, ... }')
  const known = paywalls.get(options)
  if (known) return known
  if (options.resource !== undefined) resourceOf('tool', options.resource)
  const { resource: _resource, discovery: _discovery, ...rest } = options
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
