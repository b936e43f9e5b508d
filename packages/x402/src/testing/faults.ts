// Faults on demand for the test facilitator: what a flaky or broken facilitator does to an engine.
import { sleep } from '../facilitator/abort.js'
import { TollgateError } from '../errors.js'

/** Something a facilitator call does instead of (or before) answering normally. */
export type TestFault =
  /** Answers correctly after `ms` milliseconds (or rejects with the signal's reason if it aborts first). */
  | { type: 'delay'; ms: number }
  /**
   * Never answers. By default it rejects with the signal's reason once the signal aborts, like a
   * fetch that honours its AbortSignal; with `ignoreSignal: true` it never settles at all.
   */
  | { type: 'hang'; ignoreSignal?: boolean }
  /** Rejects like a network error (`TypeError`, as fetch does). */
  | { type: 'throw'; message?: string }
  /** Resolves with something that is not a Verify/SettleResponse (default `{ hello: 'world' }`). */
  | { type: 'garbage'; value?: unknown }
  /** verify only: answers `isValid: false` with this reason (default `injected_fault`). */
  | { type: 'invalid'; reason?: string; message?: string }
  /** settle only: answers `success: false` with this reason (default `injected_fault`). */
  | { type: 'settle-failure'; reason?: string }

export type FaultMethod = 'verify' | 'settle'
/** Which calls a fault applies to; `'both'` shares one count between verify and settle calls. */
export type FaultTarget = FaultMethod | 'both'

export interface FailOptions {
  /** Fail this many calls, then heal (`1` = fail once). Default: until `heal()`. */
  times?: number
}

interface FaultRule {
  methods: ReadonlySet<FaultMethod>
  fault: TestFault
  remaining: number
}

export const DEFAULT_FAULT_REASON = 'injected_fault'

export interface FaultQueue {
  add(target: FaultTarget, fault: TestFault, options?: FailOptions): void
  /** The fault for the next `method` call, counting it; undefined when none applies. */
  take(method: FaultMethod): TestFault | undefined
  heal(target?: FaultTarget): void
}

/** Rules apply in the order they were added; a rule used up is removed. */
export function createFaultQueue(): FaultQueue {
  let rules: FaultRule[] = []
  return {
    add(target, fault, options = {}) {
      const methods = methodsOf(target, 'fail')
      checkFault(fault, methods)
      const times = options.times ?? Infinity
      if (times !== Infinity && (!Number.isSafeInteger(times) || times < 1)) {
        throw new TollgateError('invalid_options', `fail: times must be a positive integer, got ${String(times)}.`, {
          path: 'fail.options.times',
          expected: 'a positive integer, or omitted for "until heal()"',
        })
      }
      rules.push({ methods, fault: { ...fault }, remaining: times })
    },
    take(method) {
      const rule = rules.find((candidate) => candidate.methods.has(method))
      if (rule === undefined) return undefined
      rule.remaining -= 1
      if (rule.remaining <= 0) rules = rules.filter((candidate) => candidate !== rule)
      return rule.fault
    },
    heal(target) {
      if (target === undefined) {
        rules = []
        return
      }
      const healed = methodsOf(target, 'heal')
      rules = rules
        .map((rule) => ({ ...rule, methods: new Set([...rule.methods].filter((m) => !healed.has(m))) }))
        .filter((rule) => rule.methods.size > 0)
    },
  }
}

function methodsOf(target: FaultTarget, where: string): ReadonlySet<FaultMethod> {
  if (target === 'both') return new Set<FaultMethod>(['verify', 'settle'])
  if (target === 'verify' || target === 'settle') return new Set<FaultMethod>([target])
  throw new TollgateError('invalid_options', `${where}: the method must be 'verify', 'settle' or 'both', got ${JSON.stringify(target)}.`, {
    path: `${where}.method`,
    expected: "'verify' | 'settle' | 'both'",
  })
}

function checkFault(fault: TestFault, methods: ReadonlySet<FaultMethod>): void {
  if (typeof fault !== 'object' || fault === null) {
    throw new TollgateError('invalid_options', 'fail: the fault must be an object such as { type: \'hang\' }.', {
      path: 'fail.fault',
      expected: '{ type, ... }',
    })
  }
  switch (fault.type) {
    case 'delay':
      if (typeof fault.ms !== 'number' || !Number.isFinite(fault.ms) || fault.ms < 0) {
        throw new TollgateError('invalid_options', `fail: a delay fault needs ms >= 0, got ${String((fault as { ms?: unknown }).ms)}.`, {
          path: 'fail.fault.ms',
          expected: 'a finite number >= 0',
        })
      }
      return
    case 'invalid':
      if (methods.has('settle')) throw wrongMethod('invalid', 'verify', "use { type: 'settle-failure' } for settle")
      return
    case 'settle-failure':
      if (methods.has('verify')) throw wrongMethod('settle-failure', 'settle', "use { type: 'invalid' } for verify")
      return
    case 'hang':
    case 'throw':
    case 'garbage':
      return
    default:
      throw new TollgateError('invalid_options', `fail: unknown fault type ${JSON.stringify((fault as { type?: unknown }).type)}.`, {
        path: 'fail.fault.type',
        expected: "'delay' | 'hang' | 'throw' | 'garbage' | 'invalid' | 'settle-failure'",
      })
  }
}

function wrongMethod(type: string, method: FaultMethod, hint: string): TollgateError {
  return new TollgateError('invalid_options', `fail: a '${type}' fault applies to ${method} only; ${hint}.`, {
    path: 'fail.method',
    expected: `'${method}'`,
  })
}


/** Never resolves; rejects with the signal's reason once it aborts. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

/** Runs one call under its fault (if any). Faults other than `delay` never reach the ledger. */
export async function perform<R>(
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
