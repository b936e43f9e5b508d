// Releasing a single-use payment's lock. A release lost in a Store blip would keep the payment blocked (402
// payment_in_use) until the lock's TTL, its deadlines plus a minute: try again a few times in the background,
// spaced out, and say so when every try failed.
export const RELEASE_RETRY_DELAYS_MS: readonly number[] = [250, 1_000, 4_000]

export function releaseLock(release: () => Promise<unknown>, onGiveUp: (error: unknown) => void, delays = RELEASE_RETRY_DELAYS_MS): void {
  release().catch((error: unknown) => {
    const [delay, ...rest] = delays
    if (delay === undefined) return onGiveUp(error)
    const timer: { unref?: () => void } | number = setTimeout(() => releaseLock(release, onGiveUp, rest), delay)
    // A retry must not keep a finished process alive (Node, Bun).
    if (typeof timer === 'object') timer.unref?.()
  })
}
