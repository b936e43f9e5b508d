// The facilitator's fee payer: a kit KeyPairSigner, or a 64-byte secret key (the Solana CLI's keypair file format).
// It signs only transactions that passed every check, and only when settling.
import { createKeyPairSignerFromBytes, signBytes, type KeyPairSigner } from '@solana/kit'
import { TollgateError } from '../errors.js'

export type FeePayerInput = KeyPairSigner | Uint8Array

export interface FeePayer {
  readonly address: string
  /** Its ed25519 signature of the message bytes. */
  sign(message: Uint8Array): Promise<Uint8Array>
}

export async function resolveFeePayer(input: FeePayerInput, path: string): Promise<FeePayer> {
  const signer = input instanceof Uint8Array ? await keyPairOf(input, path) : input
  return {
    address: signer.address,
    sign: async (message) => new Uint8Array(await signBytes(signer.keyPair.privateKey, message as never)),
  }
}

/** Checks the option's shape when constructed (the key itself is imported, asynchronously, on first use). */
export function checkFeePayerInput(input: unknown, path: string): FeePayerInput {
  if (input instanceof Uint8Array) {
    if (input.length !== 64) throw badFeePayer(path, `a secret key of ${input.length} bytes`)
    return input
  }
  const signer = input as Partial<KeyPairSigner> | undefined
  if (typeof signer?.address === 'string' && signer.keyPair?.privateKey) return input as KeyPairSigner
  throw badFeePayer(path, typeof input)
}

async function keyPairOf(bytes: Uint8Array, path: string): Promise<KeyPairSigner> {
  try {
    return await createKeyPairSignerFromBytes(bytes)
  } catch (cause) {
    throw new TollgateError('invalid_options', `${path}: the 64 bytes are not an ed25519 key pair (secret then public key).`, { path, expected: 'a Solana keypair (64 bytes)' }, { cause })
  }
}

function badFeePayer(path: string, got: string): TollgateError {
  return new TollgateError('invalid_options', `${path} must be a KeyPairSigner (@solana/kit) or a 64-byte Solana secret key, got ${got}.`, {
    path,
    expected: 'KeyPairSigner | Uint8Array(64)',
  })
}
