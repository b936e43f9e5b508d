// A paywall's engine parts, for entries that live outside createPaywall (the structured entry): kept here so that
// an app that never imports such an entry does not carry its code.
import type { Emit } from './events.js'
import type { Gate } from './gate.js'
import type { Prepared } from './prepare.js'
import type { CompiledRoute } from './routes.js'
import type { PaymentContext, Paywall } from './types.js'

export interface PaywallEntry {
  routeFor(method: string, pathname: string): CompiledRoute | undefined
  prepare(route: CompiledRoute, request: Request, pathname: string): Prepared | Promise<Prepared>
  gate: Gate
  emit: Emit | undefined
  maxHeaderBytes: number
  free: PaymentContext
}

const entries = new WeakMap<Paywall, PaywallEntry>()

export function registerEntry(paywall: Paywall, entry: PaywallEntry): void {
  entries.set(paywall, entry)
}

export function entryOf(paywall: Paywall): PaywallEntry | undefined {
  return entries.get(paywall)
}
