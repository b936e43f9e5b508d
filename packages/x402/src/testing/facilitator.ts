// A Facilitator for tests: an in-memory ledger of plans and balances (ledger.ts), tokens it mints itself
// (tokens.ts), a record of every call, and faults on demand (faults.ts). No network, no chain, no keys.
import type { SettleRequest, SettleResult, VerifyRequest, VerifyResult } from '../facilitator/types.js'
import { createFaultQueue, DEFAULT_FAULT_REASON, perform, type FaultMethod, type TestFault } from './faults.js'
import type { TestCall, TestCallBase, TestFacilitator, TestFacilitatorOptions, TestSettleCall, TestVerifyCall } from './facilitator-types.js'
import { createLedger } from './ledger.js'
import { createTokenBook } from './tokens.js'

export type { BalanceTarget, TestPlan } from './ledger.js'
export type { FailOptions, FaultMethod, FaultTarget, TestFault } from './faults.js'
export type {
  MintOptions,
  TestCall,
  TestCallOutcome,
  TestFacilitator,
  TestFacilitatorOptions,
  TestSettleCall,
  TestVerifyCall,
} from './facilitator-types.js'

/** The address the test facilitator gives `upto` offers as their `facilitatorAddress`. */
export const TEST_FACILITATOR_ADDRESS = '0x7E57000000000000000000000000000000000001'

/** A test Facilitator with a ledger, recorded calls and faults on demand. See `TestFacilitator`. */
export function createTestFacilitator(options: TestFacilitatorOptions = {}): TestFacilitator {
  const name = options.name ?? 'test'
  const now = options.now ?? Date.now
  const settleRequiresVerify = options.settleRequiresVerify ?? true
  const ledger = createLedger()
  const faults = createFaultQueue()
  const tokens = createTokenBook(ledger, now)
  // testRequestId -> the token id it was issued for.
  const verifiedRequests = new Map<string, string>()
  let calls: TestCall[] = []
  let requestCounter = 0

  function addInitialPlans(): void {
    options.plans?.forEach((plan, index) => ledger.addPlan(plan, `createTestFacilitator.plans[${index}]`))
  }
  addInitialPlans()

  function answerVerify(request: VerifyRequest): VerifyResult {
    const result = tokens.examine(request)
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
    const result = tokens.examine(request)
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
    if (token.singleUse) tokens.markUsed(token)
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
    mint: tokens.mint,
    forge: (mintOptions) => tokens.mint({ ...mintOptions, valid: false }),
    isUsed: tokens.isUsed,
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
      verifiedRequests.clear()
      ledger.clear()
      addInitialPlans()
    },
  }
  return facilitator
}

function settleFailure(network: string, reason: string, message: string, payer?: string): SettleResult {
  return { success: false, errorReason: reason, errorMessage: message, transaction: '', network, ...(payer ? { payer } : {}) }
}

function randomTransaction(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return '0x' + Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
