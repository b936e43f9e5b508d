// Payers that are smart-contract wallets: the signature does not recover the wallet's address, the wallet itself
// says whether it accepts it (ERC-1271). A wallet that does not exist yet signs with ERC-6492: its signature
// carries the factory call that deploys it. Asked on chain, after every offline check but the signature passed.
import { getCode, readContract, verifyHash } from 'viem/actions'
import { hashTypedData, isAddressEqual, isErc6492Signature, parseAbi, parseErc6492Signature, type Address, type Client, type Hex } from 'viem'
import { transferWithAuthorizationTypedData, type ExactEvmPayload } from './scheme.js'
import type { ExactTerms } from './verify.js'

const ERC1271_ABI = parseAbi(['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)'])
const ERC1271_MAGIC_VALUE = '0x1626ba7e'

/** The factory call that deploys a wallet before its payment can settle (ERC-6492). */
export interface WalletDeployment {
  factory: Address
  calldata: Hex
}

export type ContractSignatureCheck =
  /**
   * The payer is a contract (or will be, once `deployment` ran) and accepted the signature. `signature` is the
   * one the token must be given: an ERC-6492 wrapper is taken off.
   */
  | { accepted: true; signature: Hex; deployment?: WalletDeployment }
  /** The payer is a plain account (no code, no ERC-6492 signature): the offline verdict stands. */
  | { accepted: false; contract: false }
  /** The payer is a contract, or claims to be one, and the payment cannot go through: why. */
  | { accepted: false; contract: true; message: string }

export interface ContractSignatureSettings {
  /** Factories whose ERC-6492 deployments this facilitator will run (and pay the gas of) before settling. */
  erc6492Factories: readonly Address[]
  /** Runs a chain call; a contract's refusal comes back as `rejected`, an RPC failure throws (a 502, not a refusal). */
  read: <T>(step: string, call: () => Promise<T>) => Promise<{ value: T } | { rejected: string }>
}

export async function checkContractSignature(
  client: Client,
  payload: ExactEvmPayload,
  terms: ExactTerms,
  settings: ContractSignatureSettings,
): Promise<ContractSignatureCheck> {
  const wallet = payload.authorization.from
  const digest = hashTypedData(transferWithAuthorizationTypedData(terms, payload.authorization))
  const code = await settings.read('getCode', () => getCode(client, { address: wallet }))
  const deployed = !('rejected' in code) && code.value !== undefined && code.value !== '0x'

  if (isErc6492Signature(payload.signature)) {
    let parsed: ReturnType<typeof parseErc6492Signature>
    try {
      parsed = parseErc6492Signature(payload.signature)
    } catch {
      return refused(`The signature of ${wallet} ends like an ERC-6492 signature but is not one (abi-encoded factory, calldata, signature).`)
    }
    const { address: factory, data: calldata, signature } = parsed
    // A wallet deployed since it signed: the wrapper has done its job, the wallet answers for itself.
    if (deployed) return askWallet(client, wallet, digest, signature, settings)
    if (!factory || !calldata) return refused(`The ERC-6492 signature of ${wallet} names no factory to deploy it with.`)
    if (!settings.erc6492Factories.some((allowed) => isAddressEqual(allowed, factory))) {
      return refused(
        `The wallet ${wallet} is not deployed yet and its ERC-6492 signature deploys it with the factory ${factory}, which this ` +
          'facilitator does not deploy from (localFacilitator({ erc6492Factories })): deploy the wallet first, then sign again.',
      )
    }
    // The universal validator deploys the wallet inside an eth_call and asks it: nothing is sent.
    const valid = await settings.read('verifyHash', () => verifyHash(client, { address: wallet, hash: digest, signature: payload.signature }))
    if ('rejected' in valid || !valid.value) return refused(`The wallet ${wallet}, once deployed by ${factory}, does not accept the signature (ERC-6492).`)
    return { accepted: true, signature, deployment: { factory, calldata } }
  }
  if (!deployed) return { accepted: false, contract: false }
  return askWallet(client, wallet, digest, payload.signature, settings)
}

/** Asks a deployed wallet whether it accepts `signature` for `digest` (ERC-1271 isValidSignature). */
export async function askWallet(client: Client, wallet: Address, digest: Hex, signature: Hex, settings: Pick<ContractSignatureSettings, 'read'>): Promise<ContractSignatureCheck> {
  const answer = await settings.read('isValidSignature', () =>
    readContract(client, { address: wallet, abi: ERC1271_ABI, functionName: 'isValidSignature', args: [digest, signature] }),
  )
  if (!('rejected' in answer) && answer.value === ERC1271_MAGIC_VALUE) return { accepted: true, signature }
  const why = 'rejected' in answer ? answer.rejected : `it answered ${answer.value}, not ${ERC1271_MAGIC_VALUE}`
  return refused(`The smart-contract wallet ${wallet} does not accept the signature (ERC-1271): ${why}.`)
}

function refused(message: string): ContractSignatureCheck {
  return { accepted: false, contract: true, message }
}
