// The structured (transport-neutral) entry: `checkPayment(paywall, { resource, method, payment })`. The payment
// comes in as an object and every answer goes out as one; between the two it is the HTTP path (the same gate,
// session and events). Only reading the proof and rendering the answers differ.
import { base64ToBytes } from '../codec/base64.js'
import { encodeBase64Json } from '../codec/base64.js'
import { decodeProof, PAYMENT_SIGNATURE, X_PAYMENT, type Decoded } from '../codec/headers.js'
import { PaymentPayloadSchema, PaymentPayloadV1Schema } from '../codec/schemas.js'
import type { DecodedProof, PaymentRequired } from '../codec/types.js'
import { validateWire } from '../codec/validate.js'
import { TollgateError, isTollgateError } from '../errors.js'
import { entryOf } from './entry.js'
import type { Base, GateOf } from './gate.js'
import { unexpectedError } from './gate.js'
import type { Prepared } from './prepare.js'
import type { Renderer } from './render.js'
import { withReason } from './responses.js'
import type { SessionOf } from './session.js'
import type { PaymentCheck, PaymentCheckInput, PaymentKept, PaymentRefusal, StructuredInstruction, StructuredSession } from './structured-types.js'
import type { Instruction, Paywall } from './types.js'

type Answer = PaymentRefusal | PaymentKept

/** Answers as objects; a failure carries what to pay again on the route the call was priced for. */
function structuredRenderer(priced: Prepared | undefined): Renderer<Answer> {
  return {
    refuse: (error, paymentRequired, receipt) => refusalOf(error, paymentRequired, receipt?.response),
    fail: (error, receipt) => refusalOf(error, priced?.paymentRequired, receipt?.response),
    replay: (stored, replayed = true) => ({ kind: 'kept', replayed, status: stored.status, headers: stored.headers, body: base64ToBytes(stored.body) }),
  }
}

function refusalOf(error: TollgateError, paymentRequired: PaymentRequired | undefined, receipt: PaymentRefusal['receipt']): PaymentRefusal {
  const reason = error.reason
  // As the HTTP answer: a handler's own message stays on the server.
  const message = error.code === 'handler_error' ? 'The handler failed; nothing was charged.' : error.message
  const refusal: PaymentRefusal = { kind: 'refused', error, reason, message }
  if (paymentRequired) refusal.paymentRequired = withReason(paymentRequired, reason)
  if (receipt) refusal.receipt = receipt
  return refusal
}

/** Printable ASCII: a string payment is a proof header's value only if a header could carry it. */
const HEADER_SAFE = /^[\x21-\x7e]+$/

/**
 * The payment object as the engine's proof: the same checks as a proof header (size, version, schema) without a
 * base64 round trip. The token (what facilitators receive and the token hash is of) is the object encoded once.
 */
export function proofOf(payment: unknown, maxBytes: number): Decoded<DecodedProof> {
  if (typeof payment === 'string' && HEADER_SAFE.test(payment)) return decodeProof(payment, true, { maxBytes })
  const v1 = typeof payment === 'object' && payment !== null && (payment as { x402Version?: unknown }).x402Version === 1
  const header = v1 ? X_PAYMENT : PAYMENT_SIGNATURE
  let raw: string
  try {
    raw = encodeBase64Json(payment ?? null)
  } catch {
    return { ok: false, error: new TollgateError('malformed_payment', `${header}: the payment is not JSON.`, { header, expected: 'a JSON object' }) }
  }
  if (raw.length > maxBytes) {
    const error = new TollgateError('header_too_large', `${header}: the payment is ${raw.length} bytes encoded, more than the limit of ${maxBytes}.`, { header, limit: maxBytes, size: raw.length })
    return { ok: false, error }
  }
  const checked = validateWire<object>(payment, v1 ? PaymentPayloadV1Schema : PaymentPayloadSchema, v1 ? 1 : 2, header)
  if (isTollgateError(checked)) return { ok: false, error: checked }
  return { ok: true, value: { x402Version: v1 ? 1 : 2, header, raw, payload: checked } as DecodedProof }
}

/**
 * The structured entry, for transports that are not HTTP (MCP): the payment as an object in; the PaymentRequired,
 * a refusal, a kept answer or a session out, as objects. The same path as `paywall.check()`: the same validation
 * with the same reasons, size limit, replay guard, deadlines, events and speculative rules.
 */
export async function checkPayment(paywall: Paywall, input: PaymentCheckInput): Promise<PaymentCheck> {
  const deps = entryOf(paywall)
  if (!deps) throw new TollgateError('invalid_options', 'checkPayment: expected a Paywall from createPaywall().', { path: 'paywall', expected: 'a Paywall' })
  if (!input || typeof input.resource !== 'string') {
    throw new TollgateError('invalid_options', 'checkPayment: resource must be the resource URL, a string.', { path: 'resource', expected: 'an absolute URL' })
  }
  const method = (input.method ?? 'POST').toUpperCase()
  const pathname = new URL(input.resource).pathname
  const route = method === 'OPTIONS' ? undefined : deps.routeFor(method, pathname)
  if (!route) return { kind: 'free', ctx: deps.free }
  const base: Base = { route: route.key, method, path: pathname }
  let prepared: Prepared
  try {
    prepared = await deps.prepare(route, input.request ?? new Request(input.resource, { method }), pathname)
  } catch (error) {
    return structuredRenderer(undefined).fail(unexpectedError(error)) as PaymentRefusal
  }
  if (input.payment === undefined) {
    deps.emit?.('payment.required', { ...base, status: 402 })
    return { kind: 'payment-required', paymentRequired: withReason(prepared.paymentRequired) }
  }
  const found = proofOf(input.payment, deps.maxHeaderBytes)
  const render = structuredRenderer(prepared)
  let gate: GateOf<Answer>
  try {
    gate = await deps.gate(render, undefined, method, route, base, input.isAborted ?? never, prepared, found)
  } catch (error) {
    return render.fail(unexpectedError(error)) as PaymentRefusal
  }
  if (gate.kind === 'respond') return gate.response
  if (gate.kind === 'free') return gate
  return { kind: 'paid', session: structuredSession(gate.session) }
}

function structuredSession(session: SessionOf<Answer>): StructuredSession {
  return {
    ctx: session.ctx,
    payment: session.payment,
    finish: (outcome) => session.finish(outcome).then(toStructured),
    keep(answer) {
      const headers = answer.headers ?? { 'Content-Type': 'application/json' }
      const kept = session.keep(new Response(answer.body as BodyInit, { status: answer.status ?? 200, headers }))
      // The core reads its copy as a branch of what it hands back; nobody reads the caller's branch.
      kept.body?.cancel().catch(() => {})
    },
  }
}

function toStructured(instruction: Instruction<Answer>): StructuredInstruction {
  if (instruction.kind === 'cut') return instruction
  if (instruction.kind === 'send') return instruction.receipt ? { kind: 'send', receipt: instruction.receipt } : { kind: 'send' }
  const refusal = instruction.response as PaymentRefusal
  return instruction.receipt ? { kind: 'replace', refusal, receipt: instruction.receipt } : { kind: 'replace', refusal }
}

const never = () => false
