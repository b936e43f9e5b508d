// Test helpers for the SVM code: a LiteSVM world with a fee payer, a buyer and a seller, and a builder of buyer
// transactions that can be bent one field at a time (for the bad-input tests).
import {
  address,
  appendTransactionMessageInstructions,
  AccountRole,
  compileTransaction,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  partiallySignTransaction,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Blockhash,
  type Instruction,
  type KeyPairSigner,
} from '@solana/kit'
import type { DecodedProof, PaymentRequirements } from '../codec/types.js'
import type { VerifyRequest } from '../facilitator/types.js'
import { associatedTokenAccount } from './accounts.js'
import { COMPUTE_BUDGET_PROGRAM, MEMO_PROGRAM, TOKEN_PROGRAM } from './constants.js'
import { createLiteSvmWorld, type LiteSvmWorld } from './litesvm-world.js'

export interface SvmCast {
  world: LiteSvmWorld
  feePayer: KeyPairSigner
  buyer: KeyPairSigner
  seller: KeyPairSigner
  requirements: PaymentRequirements
}

/** A chain where the buyer holds 10 USDC and 1 SOL, the fee payer 1 SOL, and the seller a token account. */
export async function startSvmCast(amount = '10000'): Promise<SvmCast> {
  const world = createLiteSvmWorld()
  const [feePayer, buyer, seller] = await Promise.all([generateKeyPairSigner(), generateKeyPairSigner(), generateKeyPairSigner()])
  world.airdrop(feePayer.address, 1_000_000_000n)
  world.airdrop(buyer.address, 1_000_000_000n)
  await world.fund(buyer.address, 10_000_000n)
  await world.fund(seller.address, 0n)
  const requirements: PaymentRequirements = {
    scheme: 'exact',
    network: world.network,
    amount,
    asset: world.mint,
    payTo: seller.address,
    maxTimeoutSeconds: 60,
    extra: { feePayer: feePayer.address },
  }
  return { world, feePayer, buyer, seller, requirements }
}

export const computeLimit = (units: number): Instruction => {
  const data = new Uint8Array(5)
  data[0] = 2
  new DataView(data.buffer).setUint32(1, units, true)
  return { programAddress: address(COMPUTE_BUDGET_PROGRAM), data }
}

export const computePrice = (microLamports: bigint): Instruction => {
  const data = new Uint8Array(9)
  data[0] = 3
  new DataView(data.buffer).setBigUint64(1, microLamports, true)
  return { programAddress: address(COMPUTE_BUDGET_PROGRAM), data }
}

export const memo = (text: string): Instruction => ({ programAddress: address(MEMO_PROGRAM), data: new TextEncoder().encode(text) })

export function transferChecked(t: { source: string; mint: string; destination: string; authority: string; amount: bigint; decimals: number }): Instruction {
  const data = new Uint8Array(10)
  data[0] = 12
  new DataView(data.buffer).setBigUint64(1, t.amount, true)
  data[9] = t.decimals
  return {
    programAddress: address(TOKEN_PROGRAM),
    accounts: [
      { address: address(t.source), role: AccountRole.WRITABLE },
      { address: address(t.mint), role: AccountRole.READONLY },
      { address: address(t.destination), role: AccountRole.WRITABLE },
      { address: address(t.authority), role: AccountRole.READONLY_SIGNER },
    ],
    data,
  }
}

/** System program transfer of lamports (an instruction no payment may carry). */
export function solTransfer(from: string, to: string, lamports: bigint): Instruction {
  const data = new Uint8Array(12)
  data[0] = 2
  new DataView(data.buffer).setBigUint64(4, lamports, true)
  return {
    programAddress: address('11111111111111111111111111111111'),
    accounts: [
      { address: address(from), role: AccountRole.WRITABLE_SIGNER },
      { address: address(to), role: AccountRole.WRITABLE },
    ],
    data,
  }
}

/** The instructions of a correct payment, for bending. */
export async function paymentInstructions(cast: SvmCast, over: Partial<Parameters<typeof transferChecked>[0]> = {}): Promise<Instruction[]> {
  const { world, buyer, seller, requirements } = cast
  const transfer = transferChecked({
    source: await associatedTokenAccount(buyer.address, world.mint),
    mint: world.mint,
    destination: await associatedTokenAccount(seller.address, world.mint),
    authority: buyer.address,
    amount: BigInt(requirements.amount!),
    decimals: world.decimals,
    ...over,
  })
  return [computeLimit(20_000), computePrice(1n), transfer, memo(crypto.randomUUID())]
}

/** The transaction of `instructions`, fee payer `feePayer` (not signing), signed by `signers`, base64. */
export async function signedTransaction(cast: SvmCast, instructions: Instruction[], options: { feePayer?: string; signers?: KeyPairSigner[] } = {}): Promise<string> {
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(address(options.feePayer ?? cast.feePayer.address), m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: cast.world.svm.latestBlockhash() as Blockhash, lastValidBlockHeight: 1_000_000n }, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  )
  const signed = await partiallySignTransaction((options.signers ?? [cast.buyer]).map((s) => s.keyPair), compileTransaction(message))
  return getBase64EncodedWireTransaction(signed)
}

/** A v2 verify/settle request carrying `transaction` for `requirements`. */
export function svmRequest(requirements: PaymentRequirements, transaction: string): VerifyRequest {
  const proof = { x402Version: 2, payload: { x402Version: 2, accepted: requirements, payload: { transaction } } } as unknown as DecodedProof
  const paymentRequired = { x402Version: 2, resource: { url: 'http://test/' }, accepts: [requirements] } as never
  return { x402Version: 2, token: '', proof, requirements, paymentRequired, amount: requirements.amount! }
}
