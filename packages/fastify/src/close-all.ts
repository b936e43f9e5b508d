// The plugin's onClose: every paywall it made is closed, even after another failed to.
import type { Closable } from '@tollgate/x402'

/**
 * Closes each in turn, every one even after another failed. Rejects once all ran: with the failure itself when
 * one failed, with an AggregateError of every failure (in order) when several did.
 */
export async function closeAll(closables: Iterable<Closable>): Promise<void> {
  const failures: unknown[] = []
  for (const closable of closables) {
    try {
      await closable.close()
    } catch (error) {
      failures.push(error)
    }
  }
  if (failures.length === 1) throw failures[0]
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} paywalls failed to close.`)
}
