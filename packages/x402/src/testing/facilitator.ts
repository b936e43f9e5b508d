// A Facilitator for tests: an in-memory ledger of plans and balances, tokens it mints itself,
// a record of every call, and faults on demand. No network, no chain, no keys.
import { TollgateError } from '../errors.js'
import { decodeBase64Json, encodeBase64Json } from '../codec/base64.js'
import type { PaymentRequirements, ResourceInfo, X402Version } from '../codec/types.js'
import type { Facilitator, SettleRequest, SettleResult, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import type { AmountValue } from '../requirements/types.js'
import { createLedger, toUnits, unknownPlan, type BalanceTarget, type TestPlan } from './ledger.js'
import {
  createFaultQueue,
  DEFAULT_FAULT_REASON,
  sleep,
  untilAborted,
  type FailOptions,
  type FaultMethod,
  type FaultTarget,
  type TestFault,
} from './faults.js'
import { toV1Network } from './networks.js'

export type { BalanceTarget, TestPlan } from './ledger.js'
export type { FailOptions, FaultMethod, FaultTarget, TestFault } from './faults.js'

/** The address the test facilitator gives `upto` offers as their `facilitatorAddress`. */
export const TEST_FACILITATOR_ADDRESS = '0x7E57000000000000000000000000000000000001'

export interface TestFacilitatorOptions {
  /** The facilitator's name in events and errors. Default `'test'`. */
  name?: string
  /** Plans known from the start, and again after `reset()`. */
  plans?: readonly TestPlan[]
  /** Clock in milliseconds, for token expiry and call timestamps. Default `Date.now`. */
  now?: () => number
  /**
   * settle refuses (`unverified_request`) unless `request.verification.testRequestId` came from a
   * verify of the same token, which proves the engine hands verify's answer to settle. Default true.
   */
  settleRequiresVerify?: boolean
}

interface MintCommon {
  /** Who pays: an address or any name. Balances are looked up without regard to case. */
  payer: string
  /** The proof generation: 2 (PAYMENT-SIGNATURE, default) or 1 (X-PAYMENT). */
  x402Version?: X402Version
  /** The token can be settled once only. Default: true for the `exact` and `upto` schemes, false otherwise. */
  singleUse?: boolean
  /** The token is refused (`authorization_expired`) from this moment on, in the facilitator's clock (ms). */
  expiresAt?: number | Date
  /**
   * Most the token authorises per request (`amount_exceeds_authorization` above it).
   * Default: `requirements.amount` when the offer has one, else no limit.
   */
  amount?: AmountValue
  /** v2 only: the `resource` to put in the payload. */
  resource?: ResourceInfo
  /** false mints a token with a bad signature that verify refuses (`invalid_signature`). Default true. */
  valid?: boolean
}

/** What to mint a token for: one offer, or an `accepts` list and which of its options (default the first). */
export type MintOptions = MintCommon &
  (
    | { requirements: PaymentRequirements; accepts?: undefined; optionIndex?: undefined }
    | { accepts: readonly PaymentRequirements[]; optionIndex?: number; requirements?: undefined }
  )

/** How a recorded call ended: still running (a hang), answered, or rejected. */
export type TestCallOutcome<R> =
  | { status: 'pending' }
  | { status: 'answered'; response: R }
  | { status: 'rejected'; error: unknown }

interface TestCallBase<M extends FaultMethod, Q, R> {
  method: M
  /** The request as the engine passed it. */
  request: Q
  /** When the call started, in the facilitator's clock (ms). */
  at: number
  /** The injected fault that shaped this call, if any. */
  fault?: TestFault
  /** Updated in place when the call ends. A `garbage` fault's response is not really an R. */
  outcome: TestCallOutcome<R>
}

export type TestVerifyCall = TestCallBase<'verify', VerifyRequest, VerifyResult>
export type TestSettleCall = TestCallBase<'settle', SettleRequest, SettleResult>
export type TestCall = TestVerifyCall | TestSettleCall

/**
 * A Facilitator with a ledger, for tests. Refusal reasons it gives: `invalid_payload`, `invalid_signature`,
 * `invalid_x402_version`, `invalid_scheme`, `invalid_network`, `invalid_plan`, `invalid_pay_to`,
 * `invalid_asset`, `authorization_expired`, `nonce_already_used`, `invalid_amount`,
 * `amount_exceeds_authorization`, `insufficient_funds`, and at settle `unverified_request`.
 */
export interface TestFacilitator extends Facilitator {
  readonly name: string
  /** Add (or replace) a plan; every payer starts with its `credits`. */
  addPlan(plan: TestPlan): void
  /** Add `amount` to a payer's balance on a plan (credits) or an asset (atomic units); returns the new balance. */
  fund(payer: string, amount: AmountValue, target: BalanceTarget): bigint
  /** A payer's balance on a plan or an asset. */
  balance(payer: string, target: BalanceTarget): bigint
  /** A proof header value (standard base64 JSON) that this facilitator accepts for the offer. */
  mint(options: MintOptions): string
  /** Same as `mint({ ...options, valid: false })`: a well-formed token with a bad signature. */
  forge(options: MintOptions): string
  /** Whether a single-use token has been settled. */
  isUsed(token: string): boolean
  /** Every verify and settle call, oldest first. */
  readonly calls: readonly TestCall[]
  verifyCalls(): TestVerifyCall[]
  settleCalls(): TestSettleCall[]
  /**
   * Make calls misbehave: `fail('verify', { type: 'hang' })`, `fail('settle', { type: 'throw' }, { times: 1 })`.
   * Faults apply in the order added; without `times` one lasts until `heal()`.
   */
  fail(method: FaultTarget, fault: TestFault, options?: FailOptions): void
  /** Remove injected faults (all, or those of one method). */
  heal(method?: FaultTarget): void
  /** Forget the recorded calls only. */
  clearCalls(): void
  /** Back to a fresh state: no calls, faults, tokens or balances; plans as given in the options. */
  reset(): void
}

interface MintedToken {
  id: string
  payer: string
  requirements: PaymentRequirements
  x402Version: X402Version
  singleUse: boolean
  expiresAt: number | undefined
  maxAmount: bigint | undefined
  /** The token's JSON as minted: a decoded token that differs was altered. */
  json: string
}

type Examination =
  | { ok: true; token: MintedToken; amount: bigint; key: string }
  | { ok: false; reason: string; message: string; payer?: string }

/** A test Facilitator with a ledger, recorded calls and faults on demand. See `TestFacilitator`. */
export function createTestFacilitator(options: TestFacilitatorOptions = {}): TestFacilitator {
  const name = options.name ?? 'test'
  const now = options.now ?? Date.now
  const settleRequiresVerify = options.settleRequiresVerify ?? true
  const ledger = createLedger()
  const faults = createFaultQueue()
  const tokens = new Map<string, MintedToken>()
  const usedTokens = new Set<string>()
  // testRequestId -> the token id it was issued for.
  const verifiedRequests = new Map<string, string>()
  let calls: TestCall[] = []
  let requestCounter = 0

  function addInitialPlans(): void {
    options.plans?.forEach((plan, index) => ledger.addPlan(plan, `createTestFacilitator.plans[${index}]`))
  }
  addInitialPlans()

  function mint(mintOptions: MintOptions): string {
    const requirements = pickRequirements(mintOptions)
    const { payer } = mintOptions
    if (typeof payer !== 'string' || payer === '') {
      throw misuse('mint.payer', 'mint: payer must be a non-empty string (an address or any name).', 'a non-empty string')
    }
    if (requirements.planId !== undefined && !ledger.hasPlan(requirements.planId)) throw unknownPlan(requirements.planId, 'mint')
    if (ledger.keyOf(requirements) === undefined) {
      throw misuse('mint.requirements', `mint: the offer (scheme "${requirements.scheme}") has neither planId nor asset, so the test ledger cannot charge it.`, 'requirements with planId or asset')
    }
    const x402Version = mintOptions.x402Version ?? 2
    if (x402Version !== 1 && x402Version !== 2) throw misuse('mint.x402Version', `mint: x402Version must be 1 or 2, got ${String(x402Version)}.`, '1 | 2')
    const singleUse = mintOptions.singleUse ?? (requirements.scheme === 'exact' || requirements.scheme === 'upto')
    const expiresAt = expiryOf(mintOptions.expiresAt)
    const maxAmount =
      mintOptions.amount !== undefined
        ? toUnits(mintOptions.amount, 'mint.amount')
        : requirements.amount !== undefined
          ? toUnits(requirements.amount, 'mint.requirements.amount')
          : undefined

    const id = `tt_${crypto.randomUUID()}`
    const payload: Record<string, unknown> = { testToken: id, payer, singleUse }
    if (expiresAt !== undefined) payload.expiresAt = expiresAt
    if (maxAmount !== undefined) payload.amount = maxAmount.toString()
    const proof =
      x402Version === 2
        ? { x402Version: 2, ...(mintOptions.resource ? { resource: mintOptions.resource } : {}), accepted: requirements, payload }
        : { x402Version: 1, scheme: requirements.scheme, network: toV1Network(requirements.network), payload }
    const json = JSON.stringify(proof)
    if (mintOptions.valid !== false) {
      tokens.set(id, { id, payer, requirements, x402Version, singleUse, expiresAt, maxAmount, json })
    }
    return encodeBase64Json(proof)
  }

  function examine(request: VerifyRequest): Examination {
    let decoded: unknown
    try {
      decoded = decodeBase64Json(request.token)
    } catch {
      return refuse('invalid_payload', 'The token is not base64 of JSON.')
    }
    const id = (decoded as { payload?: { testToken?: unknown } } | null)?.payload?.testToken
    const token = typeof id === 'string' ? tokens.get(id) : undefined
    if (token === undefined || JSON.stringify(decoded) !== token.json) {
      return refuse('invalid_signature', 'The token was not minted by this test facilitator, or was altered since.')
    }
    const refuseFor = (reason: string, message: string) => refuse(reason, message, token.payer)
    if (token.x402Version !== request.x402Version) {
      return refuseFor('invalid_x402_version', `The token is x402 v${token.x402Version}; the request says v${request.x402Version}.`)
    }
    const paid = token.requirements
    const offered = request.requirements
    const mismatch = firstMismatch(paid, offered)
    if (mismatch !== undefined) {
      return refuseFor(mismatch.reason, `The token pays ${mismatch.field} ${show(paid[mismatch.field])}; the offer asks ${show(offered[mismatch.field])}.`)
    }
    if (token.expiresAt !== undefined && now() >= token.expiresAt) {
      return refuseFor('authorization_expired', `The token expired at ${new Date(token.expiresAt).toISOString()}.`)
    }
    if (token.singleUse && usedTokens.has(token.id)) {
      return refuseFor('nonce_already_used', 'The token is single-use and was already settled.')
    }
    if (typeof request.amount !== 'string' || !/^\d+$/.test(request.amount)) {
      return refuseFor('invalid_amount', `The amount must be a whole number as a decimal string, got ${show(request.amount)}.`)
    }
    const amount = BigInt(request.amount)
    if (token.maxAmount !== undefined && amount > token.maxAmount) {
      return refuseFor('amount_exceeds_authorization', `The request asks ${amount}; the token authorises at most ${token.maxAmount}.`)
    }
    if (paid.planId !== undefined && !ledger.hasPlan(paid.planId)) {
      return refuseFor('invalid_plan', `Plan "${paid.planId}" is not known (any more) to the test facilitator.`)
    }
    const key = ledger.keyOf(paid) as string // mint refuses offers without one
    const held = ledger.balanceAt(token.payer, key)
    if (held < amount) {
      return refuseFor('insufficient_funds', `${token.payer} holds ${held} on ${describeKey(paid)}; the request needs ${amount}.`)
    }
    return { ok: true, token, amount, key }
  }

  function answerVerify(request: VerifyRequest): VerifyResult {
    const result = examine(request)
    if (!result.ok) {
      return { isValid: false, invalidReason: result.reason, invalidMessage: result.message, ...(result.payer ? { payer: result.payer } : {}) }
    }
    const testRequestId = `treq_${++requestCounter}`
    verifiedRequests.set(testRequestId, result.token.id)
    return { isValid: true, payer: result.token.payer, network: request.requirements.network, testRequestId }
  }

  // Everything from the checks to the debit runs in one synchronous step, so concurrent settles
  // of one single-use token cannot both pass.
  function answerSettle(request: SettleRequest): SettleResult {
    const network = request.requirements.network
    const result = examine(request)
    if (!result.ok) return settleFailure(network, result.reason, result.message, result.payer)
    const { token, amount, key } = result
    if (settleRequiresVerify) {
      const requestId = request.verification?.testRequestId
      if (typeof requestId !== 'string' || verifiedRequests.get(requestId) !== token.id) {
        return settleFailure(network, 'unverified_request', 'settle got no testRequestId from a verify of this token (verification not passed along?).', token.payer)
      }
    }
    if (!ledger.debit(token.payer, key, amount)) {
      return settleFailure(network, 'insufficient_funds', `${token.payer} cannot cover ${amount}.`, token.payer)
    }
    if (token.singleUse) usedTokens.add(token.id)
    return { success: true, transaction: randomTransaction(), network, payer: token.payer, amount: amount.toString() }
  }

  async function call<M extends FaultMethod, Q extends VerifyRequest, R>(
    method: M,
    request: Q,
    signal: AbortSignal,
    answer: (request: Q) => R,
    refusal: (fault: Extract<TestFault, { type: 'invalid' | 'settle-failure' }>, request: Q) => R,
  ): Promise<R> {
    const fault = faults.take(method)
    const record: TestCallBase<M, Q, R> = { method, request, at: now(), outcome: { status: 'pending' } }
    if (fault !== undefined) record.fault = fault
    calls.push(record as unknown as TestCall)
    try {
      const response = await perform(fault, signal, () => answer(request), (f) => refusal(f, request), method)
      record.outcome = { status: 'answered', response }
      return response
    } catch (error) {
      record.outcome = { status: 'rejected', error }
      throw error
    }
  }

  const facilitator: TestFacilitator = {
    name,
    // upto offers name the facilitator that settles them: this one answers for a fixed test address.
    offerExtra: (kind) => (kind.scheme === 'upto' ? { facilitatorAddress: TEST_FACILITATOR_ADDRESS } : undefined),
    verify: (request, signal) =>
      call('verify', request, signal, answerVerify, (fault) => ({
        isValid: false,
        invalidReason: fault.reason ?? DEFAULT_FAULT_REASON,
        ...('message' in fault && fault.message !== undefined ? { invalidMessage: fault.message } : {}),
      })),
    settle: (request, signal) =>
      call('settle', request, signal, answerSettle, (fault, req) =>
        settleFailure(req.requirements.network, fault.reason ?? DEFAULT_FAULT_REASON, 'Injected settle failure.'),
      ),
    addPlan: (plan) => ledger.addPlan(plan, 'addPlan'),
    fund: (payer, amount, target) => ledger.fund(payer, amount, target),
    balance: (payer, target) => ledger.balance(payer, target),
    mint,
    forge: (mintOptions) => mint({ ...mintOptions, valid: false }),
    isUsed(token) {
      try {
        const id = (decodeBase64Json(token) as { payload?: { testToken?: unknown } } | null)?.payload?.testToken
        return typeof id === 'string' && usedTokens.has(id)
      } catch {
        return false
      }
    },
    get calls() {
      return calls
    },
    verifyCalls: () => calls.filter((c): c is TestVerifyCall => c.method === 'verify'),
    settleCalls: () => calls.filter((c): c is TestSettleCall => c.method === 'settle'),
    fail: (method, fault, failOptions) => faults.add(method, fault, failOptions),
    heal: (method) => faults.heal(method),
    clearCalls() {
      calls = []
    },
    reset() {
      calls = []
      faults.heal()
      tokens.clear()
      usedTokens.clear()
      verifiedRequests.clear()
      ledger.clear()
      addInitialPlans()
    },
  }
  return facilitator
}

/** Runs one call under its fault (if any). Faults other than `delay` never reach the ledger. */
async function perform<R>(
  fault: TestFault | undefined,
  signal: AbortSignal,
  answer: () => R,
  refusal: (fault: Extract<TestFault, { type: 'invalid' | 'settle-failure' }>) => R,
  method: FaultMethod,
): Promise<R> {
  if (fault?.type === 'hang' && fault.ignoreSignal === true) return new Promise<never>(() => {})
  // Like fetch: a call made with an aborted signal fails at once.
  if (signal.aborted) throw signal.reason
  switch (fault?.type) {
    case undefined:
      return answer()
    case 'delay':
      await sleep(fault.ms, signal)
      return answer()
    case 'hang':
      return untilAborted(signal)
    case 'throw':
      throw new TypeError(fault.message ?? `fetch failed (test facilitator: injected ${method} error)`)
    case 'garbage':
      return ('value' in fault ? fault.value : { hello: 'world' }) as R
    case 'invalid':
    case 'settle-failure':
      return refusal(fault)
  }
}

function pickRequirements(options: MintOptions): PaymentRequirements {
  let requirements: unknown
  if (options.requirements !== undefined) {
    requirements = options.requirements
  } else if (options.accepts !== undefined) {
    if (!Array.isArray(options.accepts) || options.accepts.length === 0) {
      throw misuse('mint.accepts', 'mint: accepts must be a non-empty array of payment requirements.', 'a non-empty array')
    }
    const index = options.optionIndex ?? 0
    requirements = options.accepts[index]
    if (requirements === undefined) {
      throw misuse('mint.optionIndex', `mint: optionIndex ${index} is out of range; accepts has ${options.accepts.length} option(s).`, `0..${options.accepts.length - 1}`)
    }
  } else {
    throw misuse('mint.requirements', 'mint: give the offer to pay, as { requirements } or { accepts, optionIndex? }.', '{ requirements } or { accepts }')
  }
  const candidate = requirements as Partial<PaymentRequirements> | null
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.scheme !== 'string' || typeof candidate.network !== 'string') {
    throw misuse('mint.requirements', 'mint: the requirements need string scheme and network (v2 shape).', '{ scheme, network, ... }')
  }
  // A snapshot, as it would be on the wire, so later changes to the caller's object do not leak in.
  return JSON.parse(JSON.stringify(candidate)) as PaymentRequirements
}

const MATCHED_FIELDS = [
  { field: 'scheme', reason: 'invalid_scheme', address: false },
  { field: 'network', reason: 'invalid_network', address: false },
  { field: 'planId', reason: 'invalid_plan', address: false },
  { field: 'payTo', reason: 'invalid_pay_to', address: true },
  { field: 'asset', reason: 'invalid_asset', address: true },
] as const

function firstMismatch(paid: PaymentRequirements, offered: PaymentRequirements) {
  return MATCHED_FIELDS.find(({ field, address }) => {
    const a = paid[field]
    const b = offered[field]
    return address && typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() !== b.toLowerCase() : a !== b
  })
}

function expiryOf(value: number | Date | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = value instanceof Date ? value.getTime() : value
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw misuse('mint.expiresAt', `mint: expiresAt must be a Date or a time in ms, got ${String(value)}.`, 'a Date or a finite number of ms')
  }
  return ms
}

function settleFailure(network: string, reason: string, message: string, payer?: string): SettleResult {
  return { success: false, errorReason: reason, errorMessage: message, transaction: '', network, ...(payer ? { payer } : {}) }
}

function refuse(reason: string, message: string, payer?: string): Examination {
  return payer === undefined ? { ok: false, reason, message } : { ok: false, reason, message, payer }
}

function randomTransaction(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return '0x' + Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function describeKey(requirements: PaymentRequirements): string {
  return requirements.planId !== undefined ? `plan ${requirements.planId}` : `asset ${String(requirements.asset)}`
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value)
}

function misuse(path: string, message: string, expected: string): TollgateError {
  return new TollgateError('invalid_options', message, { path, expected })
}
