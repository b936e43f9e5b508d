// Races a promise against an AbortSignal, for work that may not honour the signal itself (a custom fetch, a
// body stream, a headers function): an abort settles the race at once, whatever the work does.
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, reason: (signal: AbortSignal) => unknown): Promise<T> {
  if (!signal) return work
  if (signal.aborted) {
    work.catch(() => {})
    return Promise.reject(reason(signal))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. `background` lets the process exit
 * meanwhile (a settlement watch after the answer went out).
 */
export function sleep(ms: number, signal: AbortSignal, background = false): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    if (background) (timer as { unref?: () => void }).unref?.()
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
