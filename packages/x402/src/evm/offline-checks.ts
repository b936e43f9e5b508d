// What the offline checks of exact (EIP-3009) and Permit2 payments share: reading the token, recipient and amount
// of an offer (a malformed one is the server's configuration, `invalid_payment_option`), the refusal they answer,
// and the recovery of an EIP-712 signer (natively when the secp256k1 package is installed, else viem's).
import { hashTypedData, recoverTypedDataAddress, type Address, type Hex, type TypedDataDefinition } from 'viem'
import type { PaymentRequirements } from '../codec/types.js'
import { TollgateError } from '../errors.js'
import { recoverAddressNatively } from './native-recover.js'
import { ADDRESS } from './scheme.js'

const UINT_DECIMAL = /^(?:0|[1-9][0-9]*)$/

/** The error for a malformed offer field, naming what reads it (`for the exact EVM scheme`, `for a Permit2 payment`). */
export function optionErrorFor(reader: string) {
  return (path: string, expected: string, found: unknown): TollgateError =>
    new TollgateError('invalid_payment_option', `${path} must be ${expected} ${reader}, got ${JSON.stringify(found)}.`, { path, expected })
}

/** The offer's token, recipient and amount; throws `invalid_payment_option` (via `optionError`) for a malformed one. */
export function readTokenOffer(requirements: PaymentRequirements, optionError: ReturnType<typeof optionErrorFor>): { asset: Address; payTo: Address; amount: bigint } {
  const { asset, payTo, amount } = requirements
  if (typeof asset !== 'string' || !ADDRESS.test(asset)) throw optionError('requirements.asset', 'a token contract address', asset)
  if (typeof payTo !== 'string' || !ADDRESS.test(payTo)) throw optionError('requirements.payTo', 'a recipient address', payTo)
  if (typeof amount !== 'string' || !UINT_DECIMAL.test(amount)) throw optionError('requirements.amount', 'atomic units as a decimal string', amount)
  return { asset: asset as Address, payTo: payTo as Address, amount: BigInt(amount) }
}

/** An offline check's refusal, with the payer when known. */
export function offlineRefusal(invalidReason: string, invalidMessage: string, payer?: Address): { isValid: false; invalidReason: string; invalidMessage: string; payer?: Address } {
  return payer === undefined ? { isValid: false, invalidReason, invalidMessage } : { isValid: false, invalidReason, invalidMessage, payer }
}

/** The address that signed the typed data `build` returns; undefined if unrecoverable (or the data cannot be built). */
export async function recoverTypedSigner(build: () => TypedDataDefinition, signature: Hex): Promise<Address | undefined> {
  try {
    const typedData = build()
    const native = recoverAddressNatively(hashTypedData(typedData), signature)
    if (native !== undefined) return native ?? undefined
    return await recoverTypedDataAddress({ ...typedData, signature })
  } catch {
    return undefined
  }
}
