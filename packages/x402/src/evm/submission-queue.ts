// One submission at a time, so that two settlements never take the same account nonce. A settlement whose caller
// gave up while it waited for its turn (the engine's deadline: the client already has its 504) is not sent at
// all: sending it then would charge a payer for a request that failed.

/** A queue of submissions from one account: `submitInTurn(signal, submit)` runs `submit` after the ones before it. */
export function submissionQueue(): <T>(signal: AbortSignal, submit: () => Promise<T>) => Promise<T> {
  let submissions: Promise<unknown> = Promise.resolve()
  return function submitInTurn<T>(signal: AbortSignal, submit: () => Promise<T>): Promise<T> {
    const inTurn = () => {
      signal.throwIfAborted()
      return submit()
    }
    const turn = submissions.then(inTurn, inTurn)
    submissions = turn.catch(() => undefined)
    return turn
  }
}
