// The engine's side of the extension contract (extensions/contract.ts): a route's declarations for its 402, and
// what its extensions read from a payment. Kept small: an app whose routes declare no extension ships this only.
import type { DecodedProof } from '../codec/types.js'
import type { Extension, PaymentToRead } from '../extensions/contract.js'
import { IDEMPOTENCY_DEFAULTS, type IdempotencySettings } from './idempotency.js'
import { invalid } from './options.js'

/** Lets the route's extensions read the payment: the key its paid answer is kept under, else ''. Refusals throw. */
export async function readExtensions(
  extensions: readonly Extension[],
  proof: DecodedProof,
  tokenHash: string,
  store: PaymentToRead['store'],
  idempotency: IdempotencySettings | undefined,
): Promise<string> {
  const carried = proof.x402Version === 2 ? proof.payload.extensions : undefined
  const payment: PaymentToRead = { proof, tokenHash, store, keepMs: (idempotency ?? IDEMPOTENCY_DEFAULTS).ttlMs }
  let answerKey = ''
  for (const extension of extensions) answerKey = (await extension.readPayment?.(carried?.[extension.key], payment))?.answerKey ?? answerKey
  return answerKey
}

/** A route's `extensions`, checked when the paywall is created (each extension checks its own options). */
export function checkExtensions(route: string, extensions: unknown): void {
  if (!Array.isArray(extensions)) invalid(`routes["${route}"].extensions`, 'a list of extensions')
}
