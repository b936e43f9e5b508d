// A Facilitator in front of the test facilitator that makes a share of calls misbehave, chosen per call by a
// seeded RNG: hang past the deadline (honouring its abort signal or not), fail like a 5xx or a dropped
// connection, or answer garbage. Every call is logged with the request id it served and when it started.
import type { Facilitator, SettleRequest, SettleResult, VerifyRequest, VerifyResult } from '@tollgate/x402'
import type { TestFacilitator, TestFault } from '@tollgate/x402/testing'
import type { Random } from './random.js'

export type FaultKind = 'hang' | 'throw' | 'garbage'
export const FAULT_KINDS: readonly FaultKind[] = ['hang', 'throw', 'garbage']

export interface FacilitatorCall {
  method: 'verify' | 'settle'
  /** The request this call served (from the resource URL). */
  rid: string
  fault: FaultKind | undefined
  /** Position in the run's global order of events (see `tick`). */
  startedAt: number
  /** Set when the call resolves; garbage resolves too. */
  result?: VerifyResult | SettleResult
  error?: unknown
}

// Shapes a facilitator might send back that are not a Verify/SettleResponse.
const GARBAGE: readonly unknown[] = [{ hello: 'world' }, 'OK', null, 42, [], { isValid: 'yes', success: 'yes' }, '<html>502 Bad Gateway</html>']

export interface FaultInjection {
  facilitator: Facilitator
  calls: FacilitatorCall[]
}

export function injectFaults(
  inner: TestFacilitator,
  options: { rate: number; random: Random; ridOf: (request: VerifyRequest) => string; tick: () => number },
): FaultInjection {
  const { random } = options
  const calls: FacilitatorCall[] = []

  function faultFor(): { kind: FaultKind; fault: TestFault } | undefined {
    if (random.next() >= options.rate) return undefined
    const kind = random.pick(FAULT_KINDS)
    if (kind === 'hang') return { kind, fault: { type: 'hang', ignoreSignal: random.next() < 0.5 } }
    if (kind === 'throw') return { kind, fault: { type: 'throw', message: 'facilitator answered 503 Service Unavailable' } }
    return { kind, fault: { type: 'garbage', value: random.pick(GARBAGE) } }
  }

  function run<R extends VerifyResult | SettleResult>(method: 'verify' | 'settle', request: VerifyRequest, call: () => Promise<R>): Promise<R> {
    const chosen = faultFor()
    // The test facilitator takes its fault synchronously when called, so concurrent calls cannot steal it.
    if (chosen) inner.fail(method, chosen.fault, { times: 1 })
    const record: FacilitatorCall = { method, rid: options.ridOf(request), fault: chosen?.kind, startedAt: options.tick() }
    calls.push(record)
    const pending = call()
    pending.then(
      (result) => (record.result = result),
      (error: unknown) => (record.error = error),
    )
    return pending
  }

  const facilitator: Facilitator = {
    name: 'faulty-test',
    verify: (request: VerifyRequest, signal: AbortSignal) => run('verify', request, () => inner.verify(request, signal)),
    settle: (request: SettleRequest, signal: AbortSignal) => run('settle', request, () => inner.settle(request, signal)),
  }
  return { facilitator, calls }
}
