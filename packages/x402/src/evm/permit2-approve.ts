// The one-time approval a payer gives Permit2 before paying with it: ERC-20 approve(Permit2, amount), sent by the
// payer (who pays its gas). Only ever done when asked: moving a payer's allowance is theirs to decide.
import type { Account, Address, Chain, Client, Hash, Transport } from 'viem'
import { readContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { TollgateError } from '../errors.js'
import { ERC20_ABI } from './permit2-abi.js'
import { PERMIT2_ADDRESS } from './permit2.js'

export const MAX_UINT256 = (1n << 256n) - 1n

/** How much to approve: `'max'` (2^256 - 1, once for good), an amount of atomic units, or `false` (never). */
export type Permit2Approval = 'max' | bigint | number | string | false

/** The allowance `owner` gives Permit2 on `token`. */
export function permit2Allowance(client: Client, token: Address, owner: Address): Promise<bigint> {
  return readContract(client, { address: token, abi: ERC20_ABI, functionName: 'allowance', args: [owner, PERMIT2_ADDRESS] })
}

/** Reads an approval option once: the amount to approve, or undefined for `false`. Throws `invalid_options`. */
export function resolveApproval(value: Permit2Approval | undefined, path: string): bigint | undefined {
  if (value === undefined || value === false) return undefined
  if (value === 'max') return MAX_UINT256
  const text = typeof value === 'bigint' ? value.toString() : String(value)
  if (!/^[1-9][0-9]{0,77}$/.test(text) || BigInt(text) > MAX_UINT256) {
    throw new TollgateError('invalid_options', `${path} must be 'max', a positive amount of atomic units, or false; got ${JSON.stringify(String(value))}.`, {
      path,
      expected: "'max' | atomic units | false",
    })
  }
  return BigInt(text)
}

/**
 * Makes sure Permit2 may move `needed` of `token` for the client's account: when the allowance is short, sends
 * approve(Permit2, `amount`) and waits for it. Returns the approval's transaction hash, or undefined when none was needed.
 */
export async function ensurePermit2Allowance(
  client: Client<Transport, Chain | undefined, Account>,
  token: Address,
  needed: bigint,
  amount: bigint,
): Promise<Hash | undefined> {
  const owner = client.account.address
  if ((await permit2Allowance(client, token, owner)) >= needed) return undefined
  if (amount < needed) {
    throw new TollgateError('payer_error', `Approving Permit2 for ${amount} of ${token} would not cover this payment (${needed}); approve more or 'max'.`, {
      path: 'approve',
      expected: `at least ${needed}`,
    })
  }
  const hash = await writeContract(client, { address: token, abi: ERC20_ABI, functionName: 'approve', args: [PERMIT2_ADDRESS, amount], account: client.account, chain: client.chain })
  const receipt = await waitForTransactionReceipt(client, { hash })
  if (receipt.status !== 'success') throw new TollgateError('payer_error', `The approval of Permit2 on ${token} (${hash}) reverted.`, { transaction: hash })
  return hash
}
