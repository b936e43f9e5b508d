// Event emission: cheap when nobody listens, and a listener that throws cannot break a payment.
import type { PaywallEvent, PaywallEventType } from './types.js'

export type Emit = (type: PaywallEventType, fields: Omit<PaywallEvent, 'type' | 'at'>) => void

export function createEmitter(onEvent: ((event: PaywallEvent) => void) | undefined): Emit | undefined {
  if (!onEvent) return undefined
  return (type, fields) => {
    try {
      onEvent({ type, at: Date.now(), ...fields })
    } catch {
      // A broken listener must not change what the payer gets.
    }
  }
}
