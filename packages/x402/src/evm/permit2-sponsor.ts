// localFacilitator's side of gasless Permit2 (docs/extensions.md, gasless Permit2): a payer with no Permit2 allowance sends
// either its token's EIP-2612 permit for Permit2 (submitted with the transfer through the proxy's settleWithPermit)
// or a signed `approve(Permit2, ...)` transaction (its gas funded by the settler, within a cap, then broadcast
// before the transfer). Checked offline first, then against the chain; a refusal names what is wrong.
import { decodeFunctionData, isAddressEqual, parseSignature, parseTransaction, recoverTransactionAddress, type Address, type Client, type Hex } from 'viem'
import { getBalance, getBlock, getTransactionCount, readContract, sendRawTransaction, sendTransaction, simulateContract } from 'viem/actions'
import {
  EIP2612_GAS_SPONSORING,
  ERC20_APPROVAL_GAS_SPONSORING,
  readSponsoringInfo,
  type Eip2612PermitInfo,
  type Erc20ApprovalInfo,
  type GasSponsoringKey,
} from '../extensions/gas-sponsoring/wire.js'
import { TollgateError } from '../errors.js'
import { ERC20_PERMIT_ABI } from './permit2-abi.js'
import { DEADLINE_MARGIN_SECONDS, PERMIT2_ADDRESS } from './permit2.js'
import type { Permit2Terms } from './permit2-verify.js'
import { isContractRejection, receiptOf, revertReason, rpcFailure, withAbort } from './chain-calls.js'

/** How much of the settler's gas money a sponsored approval may take (localFacilitator `approvalSponsoring`). */
export interface ApprovalSponsoringOptions {
  /** Most wei sent to one payer to pay for its approval. Default 10^15 (0.001 ETH). */
  maxFundingWei?: bigint
  /** Most gas the approval transaction may ask for. Default 100,000 (an approve takes about 46,000). */
  maxGas?: bigint
}

/** The reason strings, as the reference facilitator spells them where it has one. */
export const SPONSOR_REASONS = {
  permitFormat: 'invalid_eip2612_extension_format',
  permitFrom: 'eip2612_from_mismatch',
  permitAsset: 'eip2612_asset_mismatch',
  permitSpender: 'eip2612_spender_not_permit2',
  permitDeadline: 'eip2612_deadline_expired',
  permitAmount: 'permit2_2612_amount_mismatch',
  permitNonce: 'eip2612_nonce_mismatch',
  permitRefused: 'eip2612_permit_refused',
  approvalFormat: 'invalid_erc20_approval_extension_format',
  approvalFrom: 'erc20_approval_from_mismatch',
  approvalAsset: 'erc20_approval_asset_mismatch',
  approvalSpender: 'erc20_approval_spender_not_permit2',
  approvalParse: 'erc20_approval_tx_parse_failed',
  approvalTarget: 'erc20_approval_tx_wrong_target',
  approvalCalldata: 'erc20_approval_tx_invalid_calldata',
  approvalSigner: 'erc20_approval_tx_signer_mismatch',
  approvalTerms: 'erc20_approval_tx_terms_refused',
  approvalNotSponsored: 'erc20_approval_not_sponsored',
  approvalBroadcast: 'erc20_approval_broadcast_failed',
} as const

export type Sponsorship =
  | { kind: 'permit'; permit2612: { value: bigint; deadline: bigint; r: Hex; s: Hex; v: number }; nonce: bigint }
  | { kind: 'approval'; transaction: Hex; nonce: number; gas: bigint; maxFeePerGas: bigint; chainId: number | undefined }
export type SponsorRefusal = { refused: { reason: string; message: string } }

const refuse = (reason: string, message: string): SponsorRefusal => ({ refused: { reason, message } })

/** The sponsorship a payment carries in its `extensions` (the permit first), checked against the payment offline; undefined for none. */
export async function readSponsorship(extensions: unknown, payer: Address, terms: Permit2Terms, maximum: bigint, now: number): Promise<Sponsorship | SponsorRefusal | undefined> {
  const carried = typeof extensions === 'object' && extensions !== null ? (extensions as Record<string, unknown>) : {}
  const permit = readSponsoringInfo(EIP2612_GAS_SPONSORING, carried[EIP2612_GAS_SPONSORING])
  if (permit) return 'problem' in permit ? malformed(EIP2612_GAS_SPONSORING, permit.problem) : readPermit(permit.info, payer, terms, maximum, now)
  const approval = readSponsoringInfo(ERC20_APPROVAL_GAS_SPONSORING, carried[ERC20_APPROVAL_GAS_SPONSORING])
  if (!approval) return undefined
  if ('problem' in approval) return malformed(ERC20_APPROVAL_GAS_SPONSORING, approval.problem)
  return readApproval(approval.info, payer, terms, maximum)
}

function malformed(key: GasSponsoringKey, problem: { path: string; expected: string }): SponsorRefusal {
  const reason = key === EIP2612_GAS_SPONSORING ? SPONSOR_REASONS.permitFormat : SPONSOR_REASONS.approvalFormat
  return refuse(reason, `${problem.path} is invalid; expected ${problem.expected}.`)
}

/** The parties and amounts both kinds name: the payer, the offer's token, Permit2. */
function checkParties(info: { from: string; asset: string; spender: string }, payer: Address, terms: Permit2Terms, reasons: [string, string, string]): SponsorRefusal | undefined {
  if (!isAddressEqual(info.from as Address, payer)) return refuse(reasons[0], `The sponsored approval is from ${info.from}, the payment from ${payer}.`)
  if (!isAddressEqual(info.asset as Address, terms.asset)) return refuse(reasons[1], `The sponsored approval is for the token ${info.asset}, the offer is paid in ${terms.asset}.`)
  if (!isAddressEqual(info.spender as Address, PERMIT2_ADDRESS)) return refuse(reasons[2], `The sponsored approval names the spender ${info.spender}; only Permit2 (${PERMIT2_ADDRESS}) may be approved.`)
  return undefined
}

function readPermit(info: Eip2612PermitInfo, payer: Address, terms: Permit2Terms, maximum: bigint, now: number): Sponsorship | SponsorRefusal {
  const wrong = checkParties(info, payer, terms, [SPONSOR_REASONS.permitFrom, SPONSOR_REASONS.permitAsset, SPONSOR_REASONS.permitSpender])
  if (wrong) return wrong
  // The proxy grants exactly the permitted amount with the permit (Permit2612AmountMismatch otherwise).
  if (BigInt(info.amount) !== maximum) return refuse(SPONSOR_REASONS.permitAmount, `The EIP-2612 permit approves ${info.amount}; it must approve the permitted amount ${maximum}.`)
  if (BigInt(info.deadline) < BigInt(now + DEADLINE_MARGIN_SECONDS)) return refuse(SPONSOR_REASONS.permitDeadline, `The EIP-2612 permit expired at ${info.deadline} (now ${now}).`)
  let signature: { r: Hex; s: Hex; v: number }
  try {
    const parsed = parseSignature(info.signature as Hex)
    signature = { r: parsed.r, s: parsed.s, v: Number(parsed.v ?? BigInt(parsed.yParity + 27)) }
  } catch {
    return refuse(SPONSOR_REASONS.permitFormat, 'extensions["eip2612GasSponsoring"].info.signature is not a 65-byte signature (r, s, v).')
  }
  return { kind: 'permit', permit2612: { value: maximum, deadline: BigInt(info.deadline), ...signature }, nonce: BigInt(info.nonce) }
}

async function readApproval(info: Erc20ApprovalInfo, payer: Address, terms: Permit2Terms, maximum: bigint): Promise<Sponsorship | SponsorRefusal> {
  const wrong = checkParties(info, payer, terms, [SPONSOR_REASONS.approvalFrom, SPONSOR_REASONS.approvalAsset, SPONSOR_REASONS.approvalSpender])
  if (wrong) return wrong
  const transaction = info.signedTransaction as Hex
  let parsed: ReturnType<typeof parseTransaction>
  let signer: Address
  try {
    parsed = parseTransaction(transaction)
    signer = await recoverTransactionAddress({ serializedTransaction: transaction as never })
  } catch {
    return refuse(SPONSOR_REASONS.approvalParse, 'extensions["erc20ApprovalGasSponsoring"].info.signedTransaction is not a signed transaction.')
  }
  if (parsed.type !== 'eip1559') return refuse(SPONSOR_REASONS.approvalParse, `The signed approval is a ${parsed.type} transaction; an EIP-1559 one is expected.`)
  if (!parsed.to || !isAddressEqual(parsed.to, terms.asset)) return refuse(SPONSOR_REASONS.approvalTarget, `The signed transaction calls ${parsed.to ?? 'no contract'}, not the token ${terms.asset}.`)
  if (!isAddressEqual(signer, payer)) return refuse(SPONSOR_REASONS.approvalSigner, `The approval transaction is signed by ${signer}, the payment by ${payer}.`)
  if ((parsed.value ?? 0n) !== 0n) return refuse(SPONSOR_REASONS.approvalCalldata, 'The signed approval moves ETH: it must only call approve.')
  let spender: Address
  let amount: bigint
  try {
    const call = decodeFunctionData({ abi: ERC20_PERMIT_ABI, data: parsed.data ?? '0x' })
    if (call.functionName !== 'approve') throw new Error(call.functionName)
    ;[spender, amount] = call.args
  } catch {
    return refuse(SPONSOR_REASONS.approvalCalldata, 'The signed transaction does not call approve(spender, amount).')
  }
  if (!isAddressEqual(spender, PERMIT2_ADDRESS)) return refuse(SPONSOR_REASONS.approvalSpender, `The signed approve names the spender ${spender}; only Permit2 (${PERMIT2_ADDRESS}) may be approved.`)
  if (amount < maximum) return refuse(SPONSOR_REASONS.approvalCalldata, `The signed approve grants ${amount}, the permit needs ${maximum}.`)
  if (parsed.nonce === undefined || parsed.gas === undefined || parsed.maxFeePerGas === undefined) return refuse(SPONSOR_REASONS.approvalParse, 'The signed approval lacks a nonce, a gas limit or a fee.')
  return { kind: 'approval', transaction, nonce: parsed.nonce, gas: parsed.gas, maxFeePerGas: parsed.maxFeePerGas, chainId: parsed.chainId }
}

/** What checking a sponsorship against the chain needs of localFacilitator. */
export interface SponsorChain {
  client: Client
  settler: { address: Address }
  approvalSponsoring: Required<ApprovalSponsoringOptions> | undefined
}

/**
 * Called when the payer's allowance is short. The chain's view of a sponsorship: the permit's nonce is the token's current one and the token takes the permit
 * (a dry run from the settler); the approval's nonce is the payer's next, its fee covers the base fee, its gas
 * and the ETH the payer lacks stay within the caps. Answers the wei to fund (0 for a permit), or a refusal.
 */
export async function checkSponsorship(chain: SponsorChain, sponsorship: Sponsorship, payer: Address, terms: Permit2Terms, signal: AbortSignal): Promise<{ funding: bigint } | SponsorRefusal> {
  const { client } = chain
  if (sponsorship.kind === 'permit') {
    const { value, deadline, v, r, s } = sponsorship.permit2612
    const [nonce, dryRun] = await withAbort(
      Promise.all([
        readContract(client, { address: terms.asset, abi: ERC20_PERMIT_ABI, functionName: 'nonces', args: [payer] }).catch((error: unknown) => error),
        simulateContract(client, { address: terms.asset, abi: ERC20_PERMIT_ABI, functionName: 'permit', args: [payer, PERMIT2_ADDRESS, value, deadline, v, r, s], account: chain.settler.address }).then(() => undefined, (error: unknown) => error ?? 'refused'),
      ]),
      signal,
    )
    if (typeof nonce !== 'bigint') return refuse(SPONSOR_REASONS.permitRefused, `The token ${terms.asset} has no EIP-2612 nonces(): it cannot take a permit.`)
    if (nonce !== sponsorship.nonce) return refuse(SPONSOR_REASONS.permitNonce, `The EIP-2612 permit was signed with nonce ${sponsorship.nonce}, the token's nonce of ${payer} is ${nonce}.`)
    if (dryRun !== undefined) {
      if (!isContractRejection(dryRun)) throw rpcFailure('the simulated permit', dryRun)
      return refuse(SPONSOR_REASONS.permitRefused, `The token ${terms.asset} refuses the EIP-2612 permit: ${revertReason(dryRun)}`)
    }
    return { funding: 0n }
  }
  const caps = chain.approvalSponsoring
  if (!caps) return refuse(SPONSOR_REASONS.approvalNotSponsored, 'This facilitator does not fund signed approvals (localFacilitator approvalSponsoring is off): approve Permit2 from the wallet, or sign an EIP-2612 permit.')
  const [nonce, block, balance] = await withAbort(
    Promise.all([getTransactionCount(client, { address: payer, blockTag: 'pending' }), getBlock(client, { blockTag: 'latest' }), getBalance(client, { address: payer })]),
    signal,
  ).catch((error: unknown) => {
    if (signal.aborted) throw signal.reason
    throw rpcFailure('the approval checks', error)
  })
  const terms_ = (message: string) => refuse(SPONSOR_REASONS.approvalTerms, `The signed approval ${message}; nothing was charged.`)
  if (sponsorship.chainId !== terms.chainId) return terms_(`is for chain ${sponsorship.chainId}, the offer for ${terms.chainId}`)
  if (sponsorship.nonce !== nonce) return terms_(`has nonce ${sponsorship.nonce}, the payer's next is ${nonce}`)
  if (sponsorship.gas > caps.maxGas) return terms_(`asks for ${sponsorship.gas} gas, above this facilitator's cap of ${caps.maxGas}`)
  const baseFee = block.baseFeePerGas ?? 0n
  if (sponsorship.maxFeePerGas < baseFee) return terms_(`offers ${sponsorship.maxFeePerGas} wei per gas, under the base fee ${baseFee}`)
  const cost = sponsorship.gas * sponsorship.maxFeePerGas
  const funding = cost > balance ? cost - balance : 0n
  if (funding > caps.maxFundingWei) return terms_(`would need ${funding} wei of gas money, above this facilitator's cap of ${caps.maxFundingWei}`)
  return { funding }
}

/** What submitting an approval needs of localFacilitator. */
export interface ApprovalSubmission {
  client: Client
  settler: Parameters<typeof sendTransaction>[1]['account']
  submitInTurn<T>(signal: AbortSignal, submit: () => Promise<T>): Promise<T>
  confirmations: number
  receiptTimeoutMs: number
}

/** Funds the payer's gas (when it lacks it) from the settler, then broadcasts its approval and waits for both. */
export async function submitApproval(ctx: ApprovalSubmission, sponsorship: Sponsorship & { kind: 'approval' }, payer: Address, funding: bigint, signal: AbortSignal): Promise<SponsorRefusal | undefined> {
  const wait = { confirmations: 1, timeout: ctx.receiptTimeoutMs }
  if (funding > 0n) {
    const chain = ctx.client.chain ?? null
    const hash = await ctx.submitInTurn(signal, () => sendTransaction(ctx.client, { account: ctx.settler, chain, to: payer, value: funding, gas: 21_000n }))
    const funded = await receiptOf(ctx.client, hash, wait, signal, 'approval gas funding')
    if (funded.status !== 'success') return refuse(SPONSOR_REASONS.approvalBroadcast, `The gas funding ${hash} of ${payer} reverted.`)
  }
  let hash: Hex
  try {
    hash = await withAbort(sendRawTransaction(ctx.client, { serializedTransaction: sponsorship.transaction as never }), signal)
  } catch (error) {
    if (signal.aborted) throw signal.reason
    return refuse(SPONSOR_REASONS.approvalBroadcast, `The node refused the signed approval: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
  }
  const approved = await receiptOf(ctx.client, hash, { ...wait, confirmations: ctx.confirmations }, signal, 'sponsored approval')
  return approved.status === 'success' ? undefined : refuse(SPONSOR_REASONS.approvalBroadcast, `The sponsored approval ${hash} reverted on chain.`)
}

/**
 * The gas-sponsoring extensions localFacilitator handles on its exact and upto offers, as its `/supported` lists
 * them: EIP-2612 always (the x402 proxies' settleWithPermit), ERC-20 approvals only when it funds them.
 */
export function sponsoredExtensions(caps: Required<ApprovalSponsoringOptions> | undefined): string[] {
  return caps ? [EIP2612_GAS_SPONSORING, ERC20_APPROVAL_GAS_SPONSORING] : [EIP2612_GAS_SPONSORING]
}

/** localFacilitator's `approvalSponsoring` checked, with its defaults; undefined when approvals are not funded. */
export function approvalCaps(options: unknown): Required<ApprovalSponsoringOptions> | undefined {
  if (options === undefined || options === false) return undefined
  const given = (options === true ? {} : options) as Record<string, unknown>
  const cap = (name: keyof ApprovalSponsoringOptions, fallback: bigint): bigint => {
    const value = typeof given === 'object' && given !== null ? given[name] : null
    if (value === undefined) return fallback
    if (typeof value === 'bigint' && value > 0n) return value
    throw new TollgateError('invalid_options', `localFacilitator: approvalSponsoring.${name} must be a positive bigint.`, { path: `localFacilitator.approvalSponsoring.${name}`, expected: 'a bigint > 0n' })
  }
  return { maxFundingWei: cap('maxFundingWei', 10n ** 15n), maxGas: cap('maxGas', 100_000n) }
}
