// The buyer's side of exact SVM: the transaction the spec asks for (compute limit, compute price, TransferChecked to
// the seller's token account, a memo), with the facilitator's fee payer named and left to sign, signed by the buyer.
import {
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  partiallySignTransaction,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  AccountRole,
  type Blockhash,
  type Instruction,
  type KeyPairSigner,
} from '@solana/kit'
import type { PaymentRequirements } from '../codec/types.js'
import { associatedTokenAccount } from './accounts.js'
import { COMPUTE_BUDGET_PROGRAM, DEFAULT_COMPUTE_UNIT_LIMIT, MEMO_PROGRAM, SET_COMPUTE_UNIT_LIMIT, SET_COMPUTE_UNIT_PRICE, TRANSFER_CHECKED } from './constants.js'

export interface PaymentTransactionInput {
  signer: KeyPairSigner
  requirements: PaymentRequirements
  /** The mint's token program (owner of the mint account) and decimals, read from the chain. */
  tokenProgram: string
  decimals: number
  blockhash: { blockhash: string; lastValidBlockHeight: bigint }
  computeUnitLimit?: number
  computeUnitPriceMicroLamports?: bigint
}

/** The buyer-signed transaction, base64, for `payload.transaction`. */
export async function createPaymentTransaction(input: PaymentTransactionInput): Promise<string> {
  const { signer, requirements, tokenProgram } = input
  const mint = String(requirements.asset)
  const [source, destination] = await Promise.all([associatedTokenAccount(signer.address, mint, tokenProgram), associatedTokenAccount(String(requirements.payTo), mint, tokenProgram)])
  const limit = new Uint8Array(5)
  limit[0] = SET_COMPUTE_UNIT_LIMIT
  new DataView(limit.buffer).setUint32(1, input.computeUnitLimit ?? DEFAULT_COMPUTE_UNIT_LIMIT, true)
  const price = new Uint8Array(9)
  price[0] = SET_COMPUTE_UNIT_PRICE
  new DataView(price.buffer).setBigUint64(1, input.computeUnitPriceMicroLamports ?? 1n, true)
  const transfer = new Uint8Array(10)
  transfer[0] = TRANSFER_CHECKED
  new DataView(transfer.buffer).setBigUint64(1, BigInt(String(requirements.amount)), true)
  transfer[9] = input.decimals

  const memo = typeof requirements.extra?.memo === 'string' ? requirements.extra.memo : randomHex(16)
  const instructions: Instruction[] = [
    { programAddress: address(COMPUTE_BUDGET_PROGRAM), data: limit },
    { programAddress: address(COMPUTE_BUDGET_PROGRAM), data: price },
    {
      programAddress: address(tokenProgram),
      accounts: [
        { address: address(source), role: AccountRole.WRITABLE },
        { address: address(mint), role: AccountRole.READONLY },
        { address: address(destination), role: AccountRole.WRITABLE },
        { address: signer.address, role: AccountRole.READONLY_SIGNER },
      ],
      data: transfer,
    },
    // A nonce (or the seller's reference): two payments of the same amount are two transactions.
    { programAddress: address(MEMO_PROGRAM), data: new TextEncoder().encode(memo) },
  ]
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(address(String(requirements.extra?.feePayer)), m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: input.blockhash.blockhash as Blockhash, lastValidBlockHeight: input.blockhash.lastValidBlockHeight }, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  )
  const signed = await partiallySignTransaction([signer.keyPair], compileTransaction(message))
  return getBase64EncodedWireTransaction(signed)
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('')
}
