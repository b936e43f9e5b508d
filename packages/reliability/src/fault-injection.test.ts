// Issue 6, part (1): paid requests through a real server while 10% of facilitator calls hang past the
// deadline, fail like a 5xx or answer garbage, 5% of handlers throw and 5% of clients abort. The books must
// balance exactly: every settlement is a delivered 2xx (or a client that left after the server had settled),
// and no payer is charged for a failed request.
import { describe, expect, it } from 'vitest'
import { reconcile, type Books } from './support/books.js'
import { runFaultInjection } from './support/fault-run.js'
import { FULL, REQUESTS, SEED } from './support/size.js'
import { watchForTokens } from './support/token-watch.js'

const watch = watchForTokens()

describe(`fault injection: ${REQUESTS} paid requests through @hono/node-server${FULL ? ' (full run)' : ''}`, () => {
  let books: Books

  it('balances the books exactly', async () => {
    const run = await runFaultInjection({
      requests: REQUESTS,
      seed: SEED,
      // The engine reads request.signal itself on entry (see client-abort.test.ts).
      readSignalEarly: false,
      onEvent: (event) => watch.event(event),
      onToken: (token) => watch.token(token),
    })
    books = reconcile(run)
    watch.print(`reliability: fault injection, seed ${SEED}\n${JSON.stringify(books.figures, null, 2)}`)
    expect(books.violations.slice(0, 20)).toEqual([])
    expect(books.figures.settled).toBe(books.figures.delivered + books.figures.abortedButCharged)
  })

  it('injected every kind of fault at both steps, near the rates of the issue', () => {
    const { faults, verifyCalls, settleCalls, handlerThrows, requests } = books.figures
    for (const step of ['verify', 'settle'] as const) {
      for (const kind of ['hang', 'throw', 'garbage'] as const) expect(faults[step][kind], `${step} ${kind}`).toBeGreaterThan(0)
    }
    const faulted = Object.values(faults.verify).reduce((a, b) => a + b, 0) + Object.values(faults.settle).reduce((a, b) => a + b, 0)
    expect(faulted / (verifyCalls + settleCalls)).toBeGreaterThan(0.06)
    expect(faulted / (verifyCalls + settleCalls)).toBeLessThan(0.14)
    expect(handlerThrows / requests).toBeGreaterThan(0.03)
    expect(books.figures.settled).toBeGreaterThan(requests / 2)
  })

  it('no event or log line of this file carries a token', () => {
    expect(watch.tokenCount).toBeGreaterThan(REQUESTS / 2)
    expect(watch.eventCount).toBeGreaterThan(REQUESTS)
    expect(watch.leaks()).toEqual([])
  })
})
