// The engine's side of the extension contract (extensions/contract.ts): a route's declarations for its 402, and
// what its extensions read from a payment. Kept small: an app whose routes declare no extension ships this only.
import type { HeaderReader } from '../codec/headers.js'
import type { DecodedProof, PaymentRequired, PaymentRequirements, SettleResponse } from '../codec/types.js'
import type { Extension, PaymentReading, PaymentToRead } from '../extensions/contract.js'
import type { Store } from '../store/types.js'
import type { Emit } from './events.js'
import { IDEMPOTENCY_DEFAULTS, type IdempotencySettings } from './idempotency.js'
import { invalid } from './options.js'
import type { Gate, PaywallEvent } from './types.js'

/**
 * Lets the route's extensions read the payment, each reading added to `readings` (even when a later one refuses):
 * the key its paid answer is kept under, else ''. Refusals throw.
 */
export async function readExtensions(
  extensions: readonly Extension[],
  proof: DecodedProof,
  tokenHash: string,
  store: PaymentToRead['store'],
  idempotency: IdempotencySettings | undefined,
  readings: (PaymentReading | undefined)[],
): Promise<string> {
  const carried = proof.x402Version === 2 ? proof.payload.extensions : undefined
  const payment: PaymentToRead = { proof, tokenHash, store, keepMs: (idempotency ?? IDEMPOTENCY_DEFAULTS).ttlMs }
  let answerKey = ''
  for (const extension of extensions) {
    const reading = await extension.readPayment?.(carried?.[extension.key], payment)
    readings.push(reading)
    answerKey = reading?.answerKey ?? answerKey
  }
  return answerKey
}

/** The payment ended with nothing charged: what the extensions took (a payment id's binding) is given back. */
export function releaseReadings(readings: readonly (PaymentReading | undefined)[]): void {
  // A release that fails leaves its binding to expire: nothing else depends on it.
  for (const reading of readings) reading?.release?.().catch(() => {})
}

/** A route's `extensions`, checked when the paywall is created (each extension checks its own options). */
export function checkExtensions(route: string, extensions: unknown): ExtensionSteps | undefined {
  const list: readonly Extension[] = Array.isArray(extensions) ? extensions : []
  // Each has a key and a hook; challenge, admit and settled run in steps an extension brings, which know them.
  const steps = list.find((extension) => extension.steps)?.steps as ExtensionSteps | undefined
  if (!list.length || !list.every((e) => e?.key && (e.declare || e.readPayment || steps?.runs(e)))) invalid(`routes["${route}"].extensions`, 'a list of extensions')
  return steps
}

/** What the engine does with `challenge`, `admit` and `settled` (extensions/steps.ts); the engine passes its parts. */
export interface ExtensionSteps {
  /** Whether the extension has a hook these steps run (`challenge`, `admit`, `settled`). */
  runs(extension: Extension): unknown
  /** A request without a payment: let in unpaid when one extension admits it (the handler runs), else the 402. */
  unpaid(
    extensions: readonly Extension[],
    request: Request,
    headers: HeaderReader,
    prepared: { resource: { url: string }; paymentRequired: PaymentRequired },
    /** The paywall's Store as configured (the steps guard it). */
    store: Store,
    head: boolean,
    html: boolean,
    emit: Emit | undefined,
    base: Pick<PaywallEvent, 'route' | 'method' | 'path'>,
  ): Promise<Gate>
  /** What a successful settlement's receipt becomes on this route: the receipt with the extensions' parts. */
  settled(
    extensions: readonly Extension[],
    resourceUrl: string,
    store: PaymentToRead['store'],
    emit: Emit | undefined,
    fields: () => Omit<PaywallEvent, 'type' | 'at'>,
  ): (receipt: SettleResponse, requirements: PaymentRequirements, payer: string | undefined) => Promise<SettleResponse>
}
