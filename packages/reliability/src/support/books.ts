// The books of a fault-injection run: what each client saw and what the server answered, against the
// facilitator's ledger. Every rule broken is one line in `violations`; the figures go into docs/failures.md.
import { FAULT_KINDS, type FacilitatorCall, type FaultKind } from './fault-facilitator.js'
import { PRICE, type Run } from './fault-run.js'
import type { RequestPlan } from './traffic.js'

export interface Figures {
  requests: number
  seconds: number
  verifyCalls: number
  settleCalls: number
  faults: Record<'verify' | 'settle', Record<FaultKind, number>>
  handlerThrows: number
  handlerNotFound: number
  forged: number
  clientAborts: { early: number; inHandler: number; afterHeaders: number }
  /** Successful settle calls in the facilitator's ledger. */
  settled: number
  /** Clients that received a 2xx with a success receipt (read to the end, or aborted after the headers). */
  delivered: number
  /** ... of which the client aborted after the headers arrived. */
  deliveredThenAborted: number
  /**
   * Clients that aborted before any header came back, yet were charged: the server had already settled and
   * written its answer (it saw the connection close only afterwards, or while the settle call ran).
   */
  abortedButCharged: number
  /** Clients that aborted before any header came back and were not charged. */
  abortedUncharged: number
  /** Status codes the clients received, with counts. */
  statuses: Record<string, number>
  charged: { usdcUnits: string; credits: string }
}

export interface Books {
  figures: Figures
  violations: string[]
}

export function reconcile(run: Run): Books {
  const violations: string[] = []
  const fail = (rid: string, rule: string) => violations.push(`${rid}: ${rule}`)
  const callsOf = groupCalls(run.calls)
  const statuses: Record<string, number> = {}
  const count = (predicate: (plan: RequestPlan) => boolean) => run.plans.filter(predicate).length
  let settled = 0
  let delivered = 0
  let deliveredThenAborted = 0
  let abortedButCharged = 0
  let abortedUncharged = 0
  const expectedCharge = new Map<string, { asset: bigint; credits: bigint }>()

  for (const plan of run.plans) {
    const { rid } = plan
    const client = run.client.get(rid)
    const server = run.server.get(rid)
    const calls = callsOf.get(rid) ?? []
    const verify = calls.filter((call) => call.method === 'verify')
    const settles = calls.filter((call) => call.method === 'settle')
    const successes = settles.filter((call) => (call.result as { success?: unknown } | undefined)?.success === true)

    if (!client) fail(rid, 'the client never ran')
    else if (client.error) fail(rid, client.error)
    if (client?.status !== undefined) statuses[client.status] = (statuses[client.status] ?? 0) + 1
    if (verify.length > 1) fail(rid, `${verify.length} verify calls for one request`)
    if (settles.length > 1) fail(rid, `${settles.length} settle calls for one request`)
    if (!server && calls.length > 0) fail(rid, 'facilitator calls for a request the server never saw')

    const isSettled = successes.length === 1
    if (isSettled) {
      settled++
      const charge = expectedCharge.get(plan.payer) ?? { asset: 0n, credits: 0n }
      if (plan.pay === 'plan-v2') charge.credits += PRICE.plan
      else charge.asset += PRICE.exact
      expectedCharge.set(plan.payer, charge)
      if (plan.pay === 'forged') fail(rid, 'settled a forged payment')
      if (plan.handler !== 'ok') fail(rid, `settled although the handler ${plan.handler === 'throw' ? 'threw' : 'answered 404'}`)
      if (!server?.handlerStarted) fail(rid, 'settled although the handler never ran')
      const verdict = verify[0]?.result as { isValid?: unknown } | undefined
      if (verdict?.isValid !== true) fail(rid, 'settled although verification failed')
    }
    for (const call of settles) {
      if (server?.closedAt !== undefined && server.closedAt < call.startedAt) fail(rid, 'a settle call started after the server saw the client leave')
    }

    // The server's side: settled exactly when it answered 2xx with a success receipt.
    const serverPaid = server?.status !== undefined && is2xx(server.status) && server.receipt?.success === true
    if (isSettled !== serverPaid) fail(rid, `settled=${isSettled} but the server answered ${server?.status} (receipt success=${server?.receipt?.success})`)
    if (server?.status !== undefined && server.closedAt === undefined) {
      const expected = expectedStatus(plan, verify[0], settles[0])
      if (server.status !== expected) fail(rid, `answered ${server.status}, the failure table says ${expected}`)
    }

    // The client's side.
    if (client?.status !== undefined) {
      const clientPaid = is2xx(client.status) && client.receipt?.success === true
      if (clientPaid && !isSettled) fail(rid, 'the client got a paid 2xx that was never settled')
      if (!clientPaid && isSettled) fail(rid, `charged, but the client got ${client.status}`)
      if (is2xx(client.status) && client.receipt?.success !== true) fail(rid, 'a 2xx from a paid route without a success receipt')
      if (clientPaid) {
        delivered++
        if (client.abortedAfterHeaders) deliveredThenAborted++
      }
    } else if (client?.abortedBeforeHeaders) {
      if (isSettled) abortedButCharged++
      else abortedUncharged++
    }
  }
  if (settled !== delivered + abortedButCharged) {
    violations.push(`books: ${settled} settled != ${delivered} delivered + ${abortedButCharged} aborted after the server settled`)
  }

  // Every payer's balances moved by exactly what its delivered requests cost.
  let usdcUnits = 0n
  let credits = 0n
  for (const [payer, before] of run.before) {
    const after = run.after.get(payer)!
    const expected = expectedCharge.get(payer) ?? { asset: 0n, credits: 0n }
    usdcUnits += before.asset - after.asset
    credits += before.credits - after.credits
    if (before.asset - after.asset !== expected.asset) violations.push(`${payer}: charged ${before.asset - after.asset} USDC units, delivered ${expected.asset}`)
    if (before.credits - after.credits !== expected.credits) violations.push(`${payer}: charged ${before.credits - after.credits} credits, delivered ${expected.credits}`)
  }

  const faults = { verify: zeroFaults(), settle: zeroFaults() }
  for (const call of run.calls) if (call.fault) faults[call.method][call.fault]++
  const figures: Figures = {
    requests: run.plans.length,
    seconds: Math.round(run.durationMs / 100) / 10,
    verifyCalls: run.calls.filter((call) => call.method === 'verify').length,
    settleCalls: run.calls.filter((call) => call.method === 'settle').length,
    faults,
    handlerThrows: count((plan) => plan.handler === 'throw'),
    handlerNotFound: count((plan) => plan.handler === 'not-found'),
    forged: count((plan) => plan.pay === 'forged'),
    clientAborts: {
      early: count((plan) => plan.abort === 'early'),
      inHandler: count((plan) => plan.abort === 'in-handler'),
      afterHeaders: count((plan) => plan.abort === 'after-headers'),
    },
    settled,
    delivered,
    deliveredThenAborted,
    abortedButCharged,
    abortedUncharged,
    statuses,
    charged: { usdcUnits: usdcUnits.toString(), credits: credits.toString() },
  }
  return { figures, violations }
}

/** docs/failures.md, as code: the status a request gets when its client stays. */
export function expectedStatus(plan: RequestPlan, verify: FacilitatorCall | undefined, settle: FacilitatorCall | undefined): number {
  if (verify?.fault) return verify.fault === 'hang' ? 504 : 502
  if ((verify?.result as { isValid?: unknown } | undefined)?.isValid !== true) return 402
  if (plan.handler === 'throw') return 500
  if (plan.handler === 'not-found') return 404
  if (settle?.fault) return settle.fault === 'hang' ? 504 : 502
  if ((settle?.result as { success?: unknown } | undefined)?.success !== true) return 402
  return 200
}

function groupCalls(calls: readonly FacilitatorCall[]): Map<string, FacilitatorCall[]> {
  const byRid = new Map<string, FacilitatorCall[]>()
  for (const call of calls) {
    const list = byRid.get(call.rid)
    if (list) list.push(call)
    else byRid.set(call.rid, [call])
  }
  return byRid
}

function zeroFaults(): Record<FaultKind, number> {
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>
}

function is2xx(status: number): boolean {
  return status >= 200 && status <= 299
}
