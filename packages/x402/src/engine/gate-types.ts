// What phase one of a paid request decides, shared by the gate and the local schemes' gate (local-gate.ts).
import type { SessionOf } from './session.js'
import type { PaymentContext, PaywallEvent } from './types.js'

/** What phase one decided, its answers written by a Renderer: an answer to send now, a free pass, or a session. */
export type GateOf<A> = { kind: 'respond'; response: A } | { kind: 'free'; ctx: PaymentContext } | { kind: 'paid'; session: SessionOf<A> }

export type Base = Pick<PaywallEvent, 'route' | 'method' | 'path'>
