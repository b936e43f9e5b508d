// The spec's facilitator rules for an exact SVM payment, read from the transaction alone (no chain): the instruction
// layout, compute limits, the transfer's mint, amount and destination, the fee payer kept out of every instruction,
// and the buyer's signature. The chain-side checks (accounts exist, simulation) are in verify-payment.ts.
import { address, getAddressEncoder, verifySignature } from '@solana/kit'
import type { PaymentRequirements } from '../codec/types.js'
import { associatedTokenAccount } from './accounts.js'
import {
  COMPUTE_BUDGET_PROGRAM,
  LIGHTHOUSE_PROGRAM,
  MEMO_PROGRAM,
  SET_COMPUTE_UNIT_LIMIT,
  SET_COMPUTE_UNIT_PRICE,
  SVM_EXACT_REASONS as REASONS,
  TOKEN_2022_PROGRAM,
  TOKEN_PROGRAM,
  TRANSFER_CHECKED,
} from './constants.js'
import type { SvmInstruction, SvmTransaction } from './wire.js'

export interface TransferFacts {
  /** The transfer's authority: the buyer, who signed. */
  payer: string
  source: string
  destination: string
  mint: string
  tokenProgram: string
  amount: bigint
}

export type Checked = { ok: true; transfer: TransferFacts } | { ok: false; reason: string; message: string; payer?: string }

export interface CheckLimits {
  maxComputeUnitLimit: number
  maxComputeUnitPrice: bigint
}

const refuse = (reason: string, message: string, payer?: string): Checked => ({ ok: false, reason, message, ...(payer === undefined ? {} : { payer }) })

/** Checks `tx` against the offer and the fee payer the offer names; `feePayer` must be one this facilitator holds. */
export async function checkTransaction(tx: SvmTransaction, requirements: PaymentRequirements, feePayer: string, limits: CheckLimits): Promise<Checked> {
  if (tx.accounts[0] !== feePayer) return refuse(REASONS.feePayerMismatch, `the transaction's fee payer is ${tx.accounts[0]}, the offer names ${feePayer}`)
  // The fee payer and the transfer's authority sign; any other signer would be sponsored for nothing.
  if (tx.signers > 2) return refuse(REASONS.excessiveSigners, `the transaction needs ${tx.signers} signatures; a payment has two (fee payer, buyer)`)
  const { instructions } = tx
  if (instructions.length < 3 || instructions.length > 6) {
    return refuse(REASONS.instructionsLength, `the transaction has ${instructions.length} instructions; a payment has 3 to 6`)
  }
  const budget = checkComputeBudget(instructions[0]!, instructions[1]!, limits)
  if (budget) return budget
  const transfer = readTransfer(instructions[2]!)
  if (!transfer) return refuse(REASONS.noTransfer, 'the third instruction is not an SPL Token TransferChecked')
  const { payer } = transfer
  const optional = checkOptional(instructions.slice(3), requirements, payer)
  if (optional) return optional
  if (instructions.some((ix) => ix.program === feePayer || ix.accounts.includes(feePayer))) {
    const role = transfer.payer === feePayer ? 'the transfer authority' : transfer.source === feePayer ? 'the source of funds' : 'an account of an instruction'
    return refuse(REASONS.feePayerTransferring, `the fee payer is ${role}`, payer)
  }
  if (tx.accounts[1] !== payer) return refuse(REASONS.signatureInvalid, 'the transfer authority is not the signer of the transaction', payer)
  if (transfer.mint !== requirements.asset) return refuse(REASONS.mintMismatch, `the transfer moves mint ${transfer.mint}, the offer asks for ${requirements.asset}`, payer)
  const expected = await associatedTokenAccount(String(requirements.payTo), transfer.mint, transfer.tokenProgram)
  if (transfer.destination !== expected) {
    return refuse(REASONS.recipientMismatch, `the transfer pays ${transfer.destination}, not the token account of ${requirements.payTo} (${expected})`, payer)
  }
  if (String(transfer.amount) !== requirements.amount) {
    return refuse(REASONS.amountMismatch, `the transfer moves ${transfer.amount}, the offer asks for ${requirements.amount}`, payer)
  }
  if (!(await buyerSigned(tx))) return refuse(REASONS.signatureInvalid, "the buyer's signature does not verify", payer)
  return { ok: true, transfer }
}

function checkComputeBudget(limit: SvmInstruction, price: SvmInstruction, limits: CheckLimits): Checked | undefined {
  if (limit.program !== COMPUTE_BUDGET_PROGRAM || limit.data[0] !== SET_COMPUTE_UNIT_LIMIT || limit.data.length !== 5) {
    return refuse(REASONS.computeLimit, 'the first instruction must be ComputeBudget SetComputeUnitLimit')
  }
  const units = new DataView(limit.data.buffer, limit.data.byteOffset).getUint32(1, true)
  if (units > limits.maxComputeUnitLimit) return refuse(REASONS.computeLimitTooHigh, `the transaction asks for ${units} compute units, at most ${limits.maxComputeUnitLimit}`)
  if (price.program !== COMPUTE_BUDGET_PROGRAM || price.data[0] !== SET_COMPUTE_UNIT_PRICE || price.data.length !== 9) {
    return refuse(REASONS.computePrice, 'the second instruction must be ComputeBudget SetComputeUnitPrice')
  }
  const microLamports = new DataView(price.data.buffer, price.data.byteOffset).getBigUint64(1, true)
  if (microLamports > limits.maxComputeUnitPrice) {
    return refuse(REASONS.computePriceTooHigh, `the compute unit price is ${microLamports} micro-lamports, at most ${limits.maxComputeUnitPrice}`)
  }
  return undefined
}

/** TransferChecked: data [12, amount u64 LE, decimals u8], accounts [source, mint, destination, authority]. */
function readTransfer(ix: SvmInstruction): TransferFacts | undefined {
  if (ix.program !== TOKEN_PROGRAM && ix.program !== TOKEN_2022_PROGRAM) return undefined
  if (ix.data[0] !== TRANSFER_CHECKED || ix.data.length !== 10 || ix.accounts.length !== 4) return undefined
  const [source, mint, destination, payer] = ix.accounts as [string, string, string, string]
  const amount = new DataView(ix.data.buffer, ix.data.byteOffset).getBigUint64(1, true)
  return { payer, source, destination, mint, tokenProgram: ix.program, amount }
}

/** Instructions 4 to 6: Lighthouse (wallets add it) or Memo only; the seller's `extra.memo` exactly once. */
function checkOptional(rest: readonly SvmInstruction[], requirements: PaymentRequirements, payer: string): Checked | undefined {
  if (rest.some((ix) => ix.program !== MEMO_PROGRAM && ix.program !== LIGHTHOUSE_PROGRAM)) {
    return refuse(REASONS.unknownOptional, 'only Memo and Lighthouse instructions may follow the transfer', payer)
  }
  const memo = requirements.extra?.memo
  if (typeof memo !== 'string') return undefined
  const memos = rest.filter((ix) => ix.program === MEMO_PROGRAM)
  if (memos.length !== 1) return refuse(REASONS.memoCount, `the offer names a memo: the transaction must carry exactly one, it has ${memos.length}`, payer)
  if (new TextDecoder().decode(memos[0]!.data) !== memo) return refuse(REASONS.memoMismatch, "the memo is not the offer's extra.memo", payer)
  return undefined
}

const addresses = getAddressEncoder()

/** Every signer but the fee payer (slot 0) has signed the message. */
async function buyerSigned(tx: SvmTransaction): Promise<boolean> {
  for (let i = 1; i < tx.signers; i++) {
    const signature = tx.signatures[i]!
    try {
      const key = await crypto.subtle.importKey('raw', addresses.encode(address(tx.accounts[i]!)) as Uint8Array<ArrayBuffer>, 'Ed25519', false, ['verify'])
      if (!(await verifySignature(key, signature as never, tx.messageBytes as never))) return false
    } catch {
      return false
    }
  }
  return true
}
