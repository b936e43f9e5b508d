// Runs one facilitator call under a deadline. The race matters: a facilitator that ignores its AbortSignal
// must still not hold the request past the deadline. One promise settles from whichever comes first, the
// answer or the timer (no Promise.race, no second promise: this runs on every paid request).
//
// Calls that start close together share one timer and one AbortController (a "batch"): an AbortController and
// a timer per call were a quarter of a paid request's CPU on Node. A call joins the open batch of its step
// and timeout if that batch opened less than `slack(ms)` ago, and the batch fires `ms + slack(ms)` after it
// opened: every call gets at least its `ms`, and at most `slack` more (1/20 of the timeout, at most 25 ms).
import { TollgateError, isTollgateError } from '../errors.js'

type Step = 'verify' | 'settle'

interface Batch {
  readonly step: Step
  readonly ms: number
  readonly opened: number
  readonly controller: AbortController
  readonly pending: Set<(error: TollgateError) => void>
  readonly timer: ReturnType<typeof setTimeout> & { ref?: () => unknown; unref?: () => unknown }
}

const MAX_SLACK_MS = 25
// Cloudflare Workers refuse a fetch with a signal made during another request ("Cannot perform I/O on behalf of a
// different request"), with or without nodejs_compat: there, every call has its own.
const SHARED = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent !== 'Cloudflare-Workers'
// The open batch of each step, by timeout (numbers, so that finding it builds no string per call).
const open: Record<Step, Map<number, Batch>> = { verify: new Map(), settle: new Map() }

export function withDeadline<T>(step: Step, ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const batch = batchFor(step, ms)
    const expire = (error: TollgateError) => reject(error)
    if (batch.pending.size === 0) batch.timer.ref?.()
    batch.pending.add(expire)
    const done = () => {
      batch.pending.delete(expire)
      if (batch.pending.size > 0) return
      // An idle batch that no call can join any more has nothing left to do; the open one waits for joiners
      // but must not keep a process alive until it fires (Node, Bun; elsewhere it simply fires).
      if (open[batch.step].get(batch.ms) === batch) batch.timer.unref?.()
      else clearTimeout(batch.timer)
    }
    const fail = (error: unknown) => {
      done()
      reject(isTollgateError(error) ? error : new TollgateError('facilitator_error', `The facilitator failed to ${step}: ${describe(error)}`, { step }, { cause: error }))
    }
    let call: Promise<T>
    try {
      call = run(batch.controller.signal)
    } catch (error) {
      return fail(error)
    }
    Promise.resolve(call).then((value) => {
      done()
      resolve(value)
    }, fail)
  })
}

function slack(ms: number): number {
  return Math.min(MAX_SLACK_MS, Math.floor(ms / 20))
}

function batchFor(step: Step, ms: number): Batch {
  const batches = open[step]
  const now = Date.now()
  const current = batches.get(ms)
  // (A clock that went back, as fake timers in tests do, opens a new batch.)
  if (SHARED && current !== undefined && now >= current.opened && now - current.opened <= slack(ms)) return current
  // Only calls still waiting keep a batch alive (so at most one idle batch per step and timeout).
  if (current !== undefined && current.pending.size === 0) clearTimeout(current.timer)
  const controller = new AbortController()
  allowManyListeners(controller.signal)
  const pending = new Set<(error: TollgateError) => void>()
  const timer = setTimeout(() => {
    if (batches.get(ms) === batch) batches.delete(ms)
    if (pending.size === 0) return
    // Each waiting call gets its own error first; then the facilitators still working are told to stop.
    const error = () => new TollgateError('facilitator_timeout', `The facilitator did not answer ${step} within ${ms} ms.`, { step, timeoutMs: ms })
    for (const expire of pending) expire(error())
    pending.clear()
    controller.abort(error())
  }, ms + slack(ms))
  const batch: Batch = { step, ms, opened: now, controller, pending, timer }
  batches.set(ms, batch)
  return batch
}

/**
 * A batch's signal is handed to many calls at once, and each fetch adds an abort listener to it: without this,
 * Node warns of a leak past 10 listeners. Node's `events.setMaxListeners`, where the runtime has it.
 */
function allowManyListeners(signal: AbortSignal): void {
  try {
    const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule
    const events = getBuiltin?.('node:events') as { setMaxListeners?: (n: number, ...targets: EventTarget[]) => void } | undefined
    events?.setMaxListeners?.(0, signal)
  } catch {
    // Not Node: no such warning to avoid.
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
