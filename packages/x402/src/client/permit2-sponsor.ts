// The buyer's side of gasless Permit2 (docs/extensions.md, gasless Permit2): when the 402 declares that its facilitator
// sponsors the approval and the payer's Permit2 allowance is short, the payer signs, rather than sends, what
// approves Permit2: its token's EIP-2612 permit, else an `approve(Permit2, max)` transaction. No ETH is needed.
import { encodeFunctionData, parseAbi, type Account, type Address, type Client, type Hex } from 'viem'
import { estimateFeesPerGas, estimateGas, getTransactionCount, readContract } from 'viem/actions'
import {
  EIP2612_GAS_SPONSORING,
  ERC20_APPROVAL_GAS_SPONSORING,
  GAS_SPONSORING_VERSION,
  type Eip2612PermitInfo,
  type Erc20ApprovalInfo,
} from '../extensions/gas-sponsoring/wire.js'
import { MAX_UINT256, permit2Allowance } from '../evm/permit2-approve.js'
import { PERMIT2_ADDRESS } from '../evm/permit2.js'
import type { Permit2Terms } from '../evm/permit2-verify.js'
import type { ExactPayerAccount } from '../evm/signer.js'
import type { PaymentRequirements } from '../codec/types.js'

const TOKEN_ABI = parseAbi([
  'function nonces(address owner) view returns (uint256)',
  'function name() view returns (string)',
  'function version() view returns (string)',
  'function approve(address spender, uint256 value) returns (bool)',
])

const PERMIT_TYPES = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const

/** Gas an approve may take when the node cannot estimate it (the reference client's figure). */
const APPROVE_GAS_FALLBACK = 70_000n

/**
 * The payment's `extensions` part that approves Permit2 for the facilitator to submit, or undefined: the 402
 * declares no sponsoring, the allowance already covers the payment, or the token takes neither way.
 */
export async function sponsoredApproval(
  client: Client,
  account: ExactPayerAccount,
  requirements: PaymentRequirements,
  terms: Permit2Terms,
  declared: Record<string, unknown> | undefined,
  deadline: string,
): Promise<Record<string, { info: Eip2612PermitInfo | Erc20ApprovalInfo }> | undefined> {
  // The info is added to the declaration, whose own fields stay (a reference server checks the echo keeps them).
  const echo = (key: string, info: Eip2612PermitInfo | Erc20ApprovalInfo) => {
    const declaration = declared?.[key] as { info?: object } | undefined
    return { [key]: { ...declaration, info: { ...declaration?.info, ...info } } }
  }
  const permit = declared?.[EIP2612_GAS_SPONSORING] !== undefined
  const approval = declared?.[ERC20_APPROVAL_GAS_SPONSORING] !== undefined && typeof (account as Account).signTransaction === 'function'
  if (!permit && !approval) return undefined
  const owner = account.address as Address
  if ((await permit2Allowance(client, terms.asset, owner)) >= terms.amount) return undefined
  const nonce = permit ? await readContract(client, { address: terms.asset, abi: TOKEN_ABI, functionName: 'nonces', args: [owner] }).catch(() => undefined) : undefined
  if (nonce !== undefined) return echo(EIP2612_GAS_SPONSORING, await signPermit(client, account, requirements, terms, nonce, deadline))
  if (approval) return echo(ERC20_APPROVAL_GAS_SPONSORING, await signApproval(client, account as Account, terms))
  return undefined
}

/** The token's EIP-2612 permit for Permit2, for exactly the permitted amount (what the x402 proxy grants). */
async function signPermit(client: Client, account: ExactPayerAccount, requirements: PaymentRequirements, terms: Permit2Terms, nonce: bigint, deadline: string): Promise<Eip2612PermitInfo> {
  const { name, version } = await tokenDomain(client, requirements, terms.asset)
  const domain = { name, version, chainId: terms.chainId, verifyingContract: terms.asset }
  const message = { owner: account.address as Address, spender: PERMIT2_ADDRESS, value: terms.amount, nonce, deadline: BigInt(deadline) }
  const signature = await account.signTypedData({ domain, types: PERMIT_TYPES, primaryType: 'Permit', message })
  return { from: account.address, asset: terms.asset, spender: PERMIT2_ADDRESS, amount: terms.amount.toString(), nonce: nonce.toString(), deadline, signature, version: GAS_SPONSORING_VERSION }
}

/** The token's EIP-712 domain: the offer's `extra.name`/`extra.version` (as the spec has it), else the token's own. */
async function tokenDomain(client: Client, requirements: PaymentRequirements, token: Address): Promise<{ name: string; version: string }> {
  const { name, version } = requirements.extra ?? {}
  if (typeof name === 'string' && typeof version === 'string') return { name, version }
  const [read, readVersion] = await Promise.all([
    readContract(client, { address: token, abi: TOKEN_ABI, functionName: 'name' }),
    readContract(client, { address: token, abi: TOKEN_ABI, functionName: 'version' }).catch(() => '1'),
  ])
  return { name: read, version: readVersion }
}

/** A signed, unsent `approve(Permit2, max)` at the payer's next nonce and today's fees. */
async function signApproval(client: Client, account: Account, terms: Permit2Terms): Promise<Erc20ApprovalInfo> {
  const data: Hex = encodeFunctionData({ abi: TOKEN_ABI, functionName: 'approve', args: [PERMIT2_ADDRESS, MAX_UINT256] })
  const [nonce, fees, estimated] = await Promise.all([
    getTransactionCount(client, { address: account.address, blockTag: 'pending' }),
    estimateFeesPerGas(client),
    estimateGas(client, { account: account.address, to: terms.asset, data }).catch(() => undefined),
  ])
  const gas = estimated === undefined ? APPROVE_GAS_FALLBACK : estimated + estimated / 4n
  const signedTransaction = await account.signTransaction!({
    type: 'eip1559',
    chainId: terms.chainId,
    nonce,
    to: terms.asset,
    data,
    gas,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  })
  return { from: account.address, asset: terms.asset, spender: PERMIT2_ADDRESS, amount: MAX_UINT256.toString(), signedTransaction, version: GAS_SPONSORING_VERSION }
}
