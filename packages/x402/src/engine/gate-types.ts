// What phase one of a paid request needs and decides, shared by the gate and the local schemes' gate (local-gate.ts).
import type { Facilitator } from '../facilitator/types.js'
import type { Outbox } from '../store/types.js'
import type { failClosed } from './guarded-store.js'
import type { Emit } from './events.js'
import type { ResolvedOptions } from './options.js'
import type { OutboxWorker } from './outbox-worker.js'
import type { Verifier } from './verifier.js'
import type { SessionOf } from './session.js'
import type { PaymentContext, PaywallEvent } from './types.js'

/** What phase one decided, its answers written by a Renderer: an answer to send now, a free pass, or a session. */
export type GateOf<A> = { kind: 'respond'; response: A } | { kind: 'free'; ctx: PaymentContext } | { kind: 'paid'; session: SessionOf<A> }

export type Base = Pick<PaywallEvent, 'route' | 'method' | 'path'>

export interface GateDeps {
  settings: ResolvedOptions
  facilitator: Facilitator
  store: ReturnType<typeof failClosed>
  verifier: Verifier
  emit: Emit | undefined
  outbox: Outbox
  worker: OutboxWorker
  /** The outbox was given explicitly (its worker runs from the start). */
  outboxGiven: boolean
}
