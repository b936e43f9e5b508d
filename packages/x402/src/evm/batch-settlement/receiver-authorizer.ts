// localFacilitator's receiver authorizer: the key that signs ClaimBatch and Refund authorizations for channels that
// name it. Given as an option, or by default derived from the settler's private key (so that it survives a restart:
// channels name it for their whole life), or, for a settler given as an Account, a fresh key of this process.
import { concat, keccak256, toHex, type Account, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'

const DERIVATION_TAG = toHex('tollgate: x402 batch-settlement receiver authorizer')

/** The default receiver authorizer of a settler: keccak256(settler key ‖ tag) for a key, else a random one. */
export function defaultReceiverAuthorizer(settler: Account | Hex): Account {
  if (typeof settler === 'string') return privateKeyToAccount(keccak256(concat([settler, DERIVATION_TAG])))
  return privateKeyToAccount(generatePrivateKey())
}
