// The paying MCP client. A tools/call is seen as an HTTP exchange so that the core's paying fetch (`wrapFetch`)
// does the buying: a payment-required tool result becomes a 402, the proof it signs goes back into
// `_meta["x402/payment"]`, the receipt in `_meta["x402/payment-response"]` becomes PAYMENT-RESPONSE. Offer choice,
// spend cap, policy, beforePay and "retry once, never pay twice" are wrapFetch's, not repeated here.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js'
import { CallToolResultSchema, ErrorCode, McpError, type CallToolRequest, type CallToolResult, type CompatibilityCallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { decodeBase64Json, encodePaymentResponse, PAYMENT_RESPONSE, PAYMENT_SIGNATURE, X_PAYMENT } from '@tollgate/x402'
import { getPayment, wrapFetch, type PaymentRecord, type WrapFetchOptions } from '@tollgate/x402/client'
import { PAYMENT_META_KEY, readPaymentRequired, readReceipt } from './wire.js'

/** The same options as `wrapFetch`: payers, `maxAmount` (the spend cap per call), `policy`, `beforePay`. */
export type PayingClientOptions = WrapFetchOptions

/** What was paid for one tool result: the offer, the payer, the receipt. */
export type ToolPayment = PaymentRecord

type CallTool = Client['callTool']

const payments = new WeakMap<object, ToolPayment>()

/**
 * The client, with `callTool` paying for paid tools: a payment-required result is answered by paying one offer
 * within the spend cap and calling again once. Every other method is the client's own. Throws TollgateError
 * (`no_payable_offer`, `over_spend_cap`, `payment_declined`, `payment_refused`, `payer_error`, `malformed_402`)
 * instead of paying more than once or more than allowed.
 */
export function withPayments<C extends Client>(client: C, options: PayingClientOptions): C {
  const callTool = payingCallTool(client, options)
  return new Proxy(client, {
    get(target, property) {
      if (property === 'callTool') return callTool
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** What `withPayments(client).callTool` paid for this result; undefined when the tool was free. */
export function getToolPayment(result: object): ToolPayment | undefined {
  return payments.get(result)
}

function payingCallTool(client: Client, options: PayingClientOptions): CallTool {
  const results = new WeakMap<Response, CompatibilityCallToolResult>()
  return async function callTool(params: CallToolRequest['params'], resultSchema?: Parameters<CallTool>[1], requestOptions?: RequestOptions) {
    // One paying fetch per call: the "request" it sees is this tool call, sent through the MCP client.
    const send = async (request: Request): Promise<Response> => {
      const proof = request.headers.get(PAYMENT_SIGNATURE) ?? request.headers.get(X_PAYMENT)
      const _meta = proof === null ? params._meta : { ...params._meta, [PAYMENT_META_KEY]: payloadOf(proof) }
      // tools/call itself, not client.callTool: a payment-required result must not be checked against the tool's
      // outputSchema (its structuredContent is the PaymentRequired). A delivered result is checked below.
      const call = { method: 'tools/call' as const, params: _meta === undefined ? params : { ...params, _meta } }
      const result = await client.request(call, resultSchema ?? CallToolResultSchema, requestOptions)
      const response = asResponse(result)
      results.set(response, result)
      return response
    }
    const paidFetch = wrapFetch(send, options)
    const response = await paidFetch(toolUrl(params.name), { method: 'POST', signal: requestOptions?.signal ?? null })
    const result = results.get(response)!
    checkOutput(client, params.name, result)
    const payment = getPayment(response)
    if (payment) payments.set(result, payment)
    return result
  }
}

type OutputValidator = (value: unknown) => { valid: boolean; errorMessage?: string }

/** What client.callTool checks of a result when the tool (from listTools) has an outputSchema. */
function checkOutput(client: Client, name: string, result: CompatibilityCallToolResult): void {
  const lookup = (client as unknown as { getToolOutputValidator?: (name: string) => OutputValidator | undefined }).getToolOutputValidator
  const validator = typeof lookup === 'function' ? lookup.call(client, name) : undefined
  if (!validator || result.isError === true) return
  if (!result.structuredContent) {
    throw new McpError(ErrorCode.InvalidRequest, `Tool ${name} has an output schema but did not return structured content`)
  }
  const verdict = validator(result.structuredContent)
  if (!verdict.valid) throw new McpError(ErrorCode.InvalidParams, `Structured content does not match the tool's output schema: ${verdict.errorMessage}`)
}

/** A tool result as the HTTP answer it stands for: 402 with the PaymentRequired as its body, or 200 with the receipt. */
function asResponse(result: CompatibilityCallToolResult): Response {
  const paymentRequired = readPaymentRequired(result)
  if (paymentRequired) {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' }
    const receipt = readReceipt(result)
    if (receipt) headers[PAYMENT_RESPONSE] = encodePaymentResponse(receipt)
    return new Response(JSON.stringify(paymentRequired), { status: 402, headers })
  }
  const receipt = readReceipt(result)
  return new Response(null, { status: 200, headers: receipt ? { [PAYMENT_RESPONSE]: encodePaymentResponse(receipt) } : {} })
}

/** The proof header a payer signed, as the `PaymentPayload` object the MCP transport carries. */
function payloadOf(proof: string): unknown {
  try {
    return decodeBase64Json(proof)
  } catch {
    return proof // an opaque token: sent as it is
  }
}

function toolUrl(name: string): string {
  return `mcp://tool/${encodeURIComponent(name)}`
}

export type { CallToolResult }
