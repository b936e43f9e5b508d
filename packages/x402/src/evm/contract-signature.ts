// Payers that are smart-contract wallets (ERC-1271): the signature does not recover the wallet's address, the
// wallet itself says whether it accepts it. Asked on chain, after every offline check but the signature passed.
import { getCode, readContract } from 'viem/actions'
import { hashTypedData, parseAbi, type Client, type Hex } from 'viem'
import { transferWithAuthorizationTypedData, type ExactEvmPayload } from './scheme.js'
import type { ExactTerms } from './verify.js'

const ERC1271_ABI = parseAbi(['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)'])
const ERC1271_MAGIC_VALUE = '0x1626ba7e'
// ERC-6492 wraps the signature of a wallet that is not deployed yet, and ends with this suffix.
const ERC6492_SUFFIX = '6492649264926492649264926492649264926492649264926492649264926492'

export type ContractSignatureCheck =
  /** The payer is a contract and accepted the signature. */
  | { accepted: true }
  /** The payer is a plain account (no code): the offline verdict stands. */
  | { accepted: false; contract: false }
  /** The payer is a contract, or claims to be one, and the signature is not good: why. */
  | { accepted: false; contract: true; message: string }

/** `read` runs a chain call and turns its failure into the caller's error (an RPC failure is a 502, not a refusal). */
export async function checkContractSignature(
  client: Client,
  payload: ExactEvmPayload,
  terms: ExactTerms,
  read: <T>(step: string, call: () => Promise<T>) => Promise<{ value: T } | { rejected: string }>,
): Promise<ContractSignatureCheck> {
  const wallet = payload.authorization.from
  if (payload.signature.toLowerCase().endsWith(ERC6492_SUFFIX)) {
    return {
      accepted: false,
      contract: true,
      message: `The signature is an ERC-6492 signature of a wallet that is not deployed yet (${wallet}): deploy the wallet first, then sign again.`,
    }
  }
  const code = await read('getCode', () => getCode(client, { address: wallet }))
  if ('rejected' in code || code.value === undefined || code.value === '0x') return { accepted: false, contract: false }
  const digest = hashTypedData(transferWithAuthorizationTypedData(terms, payload.authorization))
  const answer = await read('isValidSignature', () =>
    readContract(client, { address: wallet, abi: ERC1271_ABI, functionName: 'isValidSignature', args: [digest, payload.signature as Hex] }),
  )
  if (!('rejected' in answer) && answer.value === ERC1271_MAGIC_VALUE) return { accepted: true }
  const why = 'rejected' in answer ? answer.rejected : `it answered ${answer.value}, not ${ERC1271_MAGIC_VALUE}`
  return { accepted: false, contract: true, message: `The smart-contract wallet ${wallet} does not accept the signature (ERC-1271): ${why}.` }
}
