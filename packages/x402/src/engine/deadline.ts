// Runs one facilitator call under a deadline. The race matters: a facilitator that ignores its AbortSignal
// must still not hold the request past the deadline. One promise settles from whichever comes first, the
// answer or the timer (no Promise.race, no second promise: this runs on every paid request).
import { TollgateError, isTollgateError } from '../errors.js'

export function withDeadline<T>(step: 'verify' | 'settle', ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController()
    const timer = setTimeout(() => {
      const error = new TollgateError('facilitator_timeout', `The facilitator did not answer ${step} within ${ms} ms.`, { step, timeoutMs: ms })
      controller.abort(error)
      reject(error)
    }, ms)
    const fail = (error: unknown) => {
      clearTimeout(timer)
      reject(isTollgateError(error) ? error : new TollgateError('facilitator_error', `The facilitator failed to ${step}: ${describe(error)}`, { step }, { cause: error }))
    }
    let call: Promise<T>
    try {
      call = run(controller.signal)
    } catch (error) {
      return fail(error)
    }
    Promise.resolve(call).then((value) => {
      clearTimeout(timer)
      resolve(value)
    }, fail)
  })
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
