// Runs one facilitator call under a deadline. The race matters: a facilitator that ignores its AbortSignal
// must still not hold the request past the deadline.
import { TollgateError, isTollgateError } from '../errors.js'

export async function withDeadline<T>(step: 'verify' | 'settle', ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TollgateError('facilitator_timeout', `The facilitator did not answer ${step} within ${ms} ms.`, { step, timeoutMs: ms })
      controller.abort(error)
      reject(error)
    }, ms)
  })
  try {
    return await Promise.race([run(controller.signal), deadline])
  } catch (error) {
    if (isTollgateError(error)) throw error
    throw new TollgateError('facilitator_error', `The facilitator failed to ${step}: ${describe(error)}`, { step }, { cause: error })
  } finally {
    clearTimeout(timer)
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
