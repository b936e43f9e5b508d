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
