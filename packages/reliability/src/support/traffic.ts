// What each request of a fault-injection run does, decided up front from the seed: who pays, with what,
// what the handler does, and whether (and when) the client walks away.
import type { Random } from './random.js'

export type PayWith = 'exact-v2' | 'exact-v1' | 'plan-v2' | 'forged'
export type HandlerScript = 'ok' | 'throw' | 'not-found'
/** early: a few ms after sending; in-handler: while the handler runs; after-headers: once the status arrived. */
export type AbortScript = 'none' | 'early' | 'in-handler' | 'after-headers'

export interface RequestPlan {
  rid: string
  payer: string
  pay: PayWith
  handler: HandlerScript
  abort: AbortScript
  /** For `early`: when to abort, ms after the fetch started. */
  abortAfterMs: number
  /** How long the handler works before it answers, ms. */
  handlerMs: number
}

export interface TrafficMix {
  /** Share of requests whose handler throws. */
  handlerThrows: number
  /** Share of requests whose handler answers 404 (a non-2xx: passed through, nothing settled). */
  handlerNotFound: number
  /** Share of requests whose client aborts (split between the three moments). */
  clientAborts: number
  /** Share of requests paying with a forged token (verify says invalid). */
  forged: number
}

export const ISSUE_MIX: TrafficMix = { handlerThrows: 0.05, handlerNotFound: 0.02, clientAborts: 0.05, forged: 0.02 }

export function planTraffic(count: number, payers: readonly string[], random: Random, mix: TrafficMix = ISSUE_MIX): RequestPlan[] {
  const plans: RequestPlan[] = []
  for (let i = 0; i < count; i++) {
    const forged = random.next() < mix.forged
    const pay: PayWith = forged ? 'forged' : random.pick(['exact-v2', 'exact-v1', 'plan-v2'] as const)
    const h = random.next()
    const handler: HandlerScript = h < mix.handlerThrows ? 'throw' : h < mix.handlerThrows + mix.handlerNotFound ? 'not-found' : 'ok'
    const abort: AbortScript = random.next() < mix.clientAborts ? random.pick(['early', 'in-handler', 'after-headers'] as const) : 'none'
    plans.push({ rid: `r${i}`, payer: random.pick(payers), pay, handler, abort, abortAfterMs: random.int(0, 4), handlerMs: random.int(0, 3) })
  }
  return plans
}
