// Deadlines are batched (one timer and one AbortController for calls that start close together): every call
// must still get at least its own timeout, a hung facilitator must still end in a timeout, and an idle batch
// must not keep a finished script alive.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { isTollgateError } from '../errors.js'
import { withDeadline } from './deadline.js'

const hang = () => new Promise<never>(() => {})

async function timeOfRejection(started: number, call: Promise<unknown>): Promise<{ elapsed: number; error: unknown }> {
  try {
    await call
  } catch (error) {
    return { elapsed: Date.now() - started, error }
  }
  throw new Error('the call did not fail')
}

describe('withDeadline', () => {
  const warnings: Error[] = []
  const onWarning = (warning: Error) => warnings.push(warning)
  afterEach(() => {
    process.off('warning', onWarning)
    warnings.length = 0
  })

  it('passes an answer through, and a thrown error becomes facilitator_error', async () => {
    await expect(withDeadline('verify', 1000, async () => 'yes')).resolves.toBe('yes')
    const error = await withDeadline('verify', 1000, async () => {
      throw new Error('boom')
    }).catch((e: unknown) => e)
    expect(isTollgateError(error) && error.code).toBe('facilitator_error')
    expect(isTollgateError(error) && error.message).toContain('boom')
  })

  it('ends a hung call in facilitator_timeout, never before its own timeout, and aborts its signal', async () => {
    const signals: AbortSignal[] = []
    const first = Date.now()
    const a = timeOfRejection(first, withDeadline('settle', 200, (signal) => (signals.push(signal), hang())))
    await new Promise((resolve) => setTimeout(resolve, 8)) // within the batch's slack (200 / 20 = 10 ms)
    const second = Date.now()
    const b = timeOfRejection(second, withDeadline('settle', 200, (signal) => (signals.push(signal), hang())))
    const [ra, rb] = await Promise.all([a, b])
    for (const { elapsed, error } of [ra, rb]) {
      expect(elapsed).toBeGreaterThanOrEqual(200)
      expect(isTollgateError(error) && error.code).toBe('facilitator_timeout')
      expect(isTollgateError(error) && error.details).toMatchObject({ step: 'settle', timeoutMs: 200 })
    }
    // Each call got an error of its own; the facilitators were told to stop.
    expect(ra.error).not.toBe(rb.error)
    expect(signals.every((signal) => signal.aborted)).toBe(true)
  })

  it('calls with other timeouts or steps are not batched together', async () => {
    const signals: AbortSignal[] = []
    const record = (signal: AbortSignal) => (signals.push(signal), Promise.resolve(1))
    await Promise.all([withDeadline('verify', 3000, record), withDeadline('verify', 3000, record), withDeadline('verify', 4000, record), withDeadline('settle', 3000, record)])
    expect(signals[0]).toBe(signals[1])
    expect(new Set(signals).size).toBe(3)
  })

  it('a shared signal takes hundreds of listeners without a leak warning', async () => {
    process.on('warning', onWarning)
    const calls = Array.from({ length: 200 }, () =>
      withDeadline('settle', 5000, (signal) => {
        signal.addEventListener('abort', () => {})
        return Promise.resolve(true)
      }),
    )
    await Promise.all(calls)
    await new Promise((resolve) => setImmediate(resolve))
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning')
  })

  it('an idle batch does not keep a script alive until it fires', async () => {
    // A whole paid request through the built package, with a one-minute settle deadline: the script must end
    // as soon as its work is done.
    const dist = (path: string) => JSON.stringify(fileURLToPath(new URL(`../../dist/${path}`, import.meta.url)))
    const script = `
      const { createPaywall, plan } = await import(${dist('index.js')})
      const { createTestFacilitator, paidRequest } = await import(${dist('testing/index.js')})
      const ask = plan({ planId: '42', credits: 1 })
      const facilitator = createTestFacilitator({ plans: [{ planId: '42', credits: 100 }] })
      const paywall = createPaywall({ facilitator, routes: { '/x': ask }, verifyTimeoutMs: 60000, settleTimeoutMs: 60000 })
      const token = facilitator.mint({ payer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', requirements: ask.requirements })
      const response = await paywall.handle(paidRequest('http://127.0.0.1/x', token), async () => new Response('ok'))
      console.log(response.status)
    `
    const started = Date.now()
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 })
    expect(stdout.trim()).toBe('200')
    expect(Date.now() - started).toBeLessThan(15_000)
  }, 20_000)
})
