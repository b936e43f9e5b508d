// localSvmFacilitator on a real SVM (LiteSVM with the SPL Token program): a payment verified, co-signed, sent and
// confirmed once, balances read before and after; every bad input refused with its reason, nothing charged and
// nothing signed by the fee payer.
import { generateKeyPairSigner } from '@solana/kit'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SettleRequest } from '../facilitator/types.js'
import { associatedTokenAccount } from './accounts.js'
import { SVM_EXACT_REASONS as REASONS } from './constants.js'
import { localSvmFacilitator } from './facilitator.js'
import { computeLimit, computePrice, memo, paymentInstructions, signedTransaction, solTransfer, startSvmCast, svmRequest, transferChecked, type SvmCast } from './test-support.js'

const signal = new AbortController().signal
const settleRequest = (requirements: SvmCast['requirements'], tx: string): SettleRequest => ({ ...svmRequest(requirements, tx), verification: { isValid: true } })

async function balances(cast: SvmCast) {
  const { world, buyer, seller, feePayer } = cast
  return { buyer: await world.tokenBalance(buyer.address), seller: await world.tokenBalance(seller.address), feePayerSol: world.solBalance(feePayer.address), buyerSol: world.solBalance(buyer.address) }
}

describe('localSvmFacilitator: a payment', () => {
  it('verifies, co-signs as fee payer, sends and confirms: the seller gets the amount, the fee payer pays the fee', async () => {
    const cast = await startSvmCast('10000')
    const facilitator = localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer })
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    const before = await balances(cast)

    const verdict = await facilitator.verify(svmRequest(cast.requirements, tx), signal)
    expect(verdict).toEqual({ isValid: true, payer: cast.buyer.address, network: cast.world.network })
    expect(await balances(cast)).toEqual(before)

    const receipt = await facilitator.settle(settleRequest(cast.requirements, tx), signal)
    expect(receipt, String(receipt.errorMessage)).toMatchObject({ success: true, network: cast.world.network, payer: cast.buyer.address })
    expect(receipt.transaction).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/)
    const after = await balances(cast)
    expect(after.buyer).toBe(before.buyer - 10_000n)
    expect(after.seller).toBe(before.seller + 10_000n)
    expect(after.buyerSol).toBe(before.buyerSol)
    expect(after.feePayerSol).toBeLessThan(before.feePayerSol)
  })

  it('settles a transaction once: a replay is refused (duplicate_settlement), by this facilitator and by another', async () => {
    const cast = await startSvmCast()
    const facilitator = localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer })
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    expect((await facilitator.settle(settleRequest(cast.requirements, tx), signal)).success).toBe(true)
    const afterFirst = await balances(cast)

    const again = await facilitator.settle(settleRequest(cast.requirements, tx), signal)
    expect(again).toMatchObject({ success: false, errorReason: REASONS.duplicateSettlement })
    // A second instance has no memory of it: the chain refuses it (or its simulation does).
    const other = await localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer }).settle(settleRequest(cast.requirements, tx), signal)
    expect(other.success).toBe(false)
    expect([REASONS.duplicateSettlement, REASONS.simulationFailed]).toContain(other.errorReason)
    expect(await balances(cast)).toEqual(afterFirst)
  })

  it('concurrent settles of one transaction: one succeeds, the other is a duplicate', async () => {
    const cast = await startSvmCast()
    const facilitator = localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer })
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    const results = await Promise.all([facilitator.settle(settleRequest(cast.requirements, tx), signal), facilitator.settle(settleRequest(cast.requirements, tx), signal)])
    expect(results.filter((r) => r.success)).toHaveLength(1)
    expect(results.find((r) => !r.success)?.errorReason).toBe(REASONS.duplicateSettlement)
    expect(await cast.world.tokenBalance(cast.seller.address)).toBe(10_000n)
  })

  it('names its fee payer in offers and in /supported (v2 and v1)', async () => {
    const cast = await startSvmCast()
    const facilitator = localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer })
    expect(facilitator.offerExtra?.({ scheme: 'exact', network: cast.world.network })).toEqual({ feePayer: cast.feePayer.address })
    expect(facilitator.offerExtra?.({ scheme: 'exact', network: 'eip155:8453' })).toBeUndefined()
    expect(await facilitator.supported?.(signal)).toEqual([
      { x402Version: 2, scheme: 'exact', network: cast.world.network, extra: { feePayer: cast.feePayer.address } },
      { x402Version: 1, scheme: 'exact', network: 'solana-devnet', extra: { feePayer: cast.feePayer.address } },
    ])
  })

  it('takes the fee payer as a 64-byte secret key (a Solana keypair file)', async () => {
    const cast = await startSvmCast()
    const { createKeyPairSignerFromBytes } = await import('@solana/kit')
    const seed = crypto.getRandomValues(new Uint8Array(32))
    const signerFromSeed = await (await import('@solana/kit')).createKeyPairSignerFromPrivateKeyBytes(seed)
    const secret = new Uint8Array(64)
    secret.set(seed)
    secret.set((await import('@solana/kit')).getAddressEncoder().encode(signerFromSeed.address), 32)
    expect((await createKeyPairSignerFromBytes(secret)).address).toBe(signerFromSeed.address)
    const facilitator = localSvmFacilitator({ chain: cast.world.chain, feePayer: secret })
    expect(facilitator.feePayer).toBe(signerFromSeed.address)
    cast.world.airdrop(signerFromSeed.address, 1_000_000_000n)
    const requirements = { ...cast.requirements, extra: { feePayer: signerFromSeed.address } }
    const tx = await signedTransaction({ ...cast, requirements }, await paymentInstructions(cast), { feePayer: signerFromSeed.address })
    expect(await facilitator.settle(settleRequest(requirements, tx), signal)).toMatchObject({ success: true })
  })

  it('refuses bad options when constructed', async () => {
    const cast = await startSvmCast()
    expect(() => localSvmFacilitator({ chain: cast.world.chain, feePayer: new Uint8Array(32) })).toThrow(/64-byte/)
    expect(() => localSvmFacilitator({ feePayer: cast.feePayer } as never)).toThrow(/rpcUrl/)
    expect(() => localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer, maxComputeUnitPrice: 6_000_000n })).toThrow(/never raise/)
    expect(() => localSvmFacilitator({ rpcUrl: 'http://127.0.0.1:8899', network: 'base', feePayer: cast.feePayer })).toThrow(/Solana network/)
    expect(() => localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer, fee: 1 } as never)).toThrow(/unknown option "fee"/)
  })
})

describe('localSvmFacilitator: bad input is refused with its reason, nothing charged, nothing signed by the fee payer', () => {
  let cast: SvmCast
  let signs: ReturnType<typeof vi.spyOn>
  beforeEach(async () => {
    cast = await startSvmCast('10000')
  })
  afterEach(() => signs?.mockRestore())

  async function expectRefused(tx: string, reason: string, requirements = cast.requirements) {
    const facilitator = localSvmFacilitator({ chain: cast.world.chain, feePayer: cast.feePayer })
    const before = await balances(cast)
    signs = vi.spyOn(crypto.subtle, 'sign')
    const verdict = await facilitator.verify(svmRequest(requirements, tx), signal)
    expect(verdict).toMatchObject({ isValid: false, invalidReason: reason })
    expect(verdict.invalidMessage).toBeTruthy()
    const receipt = await facilitator.settle(settleRequest(requirements, tx), signal)
    expect(receipt).toMatchObject({ success: false, errorReason: reason, transaction: '' })
    expect(signs).not.toHaveBeenCalled()
    signs.mockRestore()
    expect(await balances(cast)).toEqual(before)
  }

  it('an extra instruction (a SOL transfer from the buyer)', async () => {
    const ixs = await paymentInstructions(cast)
    await expectRefused(await signedTransaction(cast, [...ixs, solTransfer(cast.buyer.address, cast.seller.address, 1000n)]), REASONS.unknownOptional)
  })

  it('a transfer to another account', async () => {
    const stranger = await generateKeyPairSigner()
    await cast.world.fund(stranger.address, 0n)
    const ixs = await paymentInstructions(cast, { destination: await associatedTokenAccount(stranger.address, cast.world.mint) })
    await expectRefused(await signedTransaction(cast, ixs), REASONS.recipientMismatch)
  })

  it('a transfer of another mint', async () => {
    const ixs = await paymentInstructions(cast, { mint: 'So11111111111111111111111111111111111111112' })
    await expectRefused(await signedTransaction(cast, ixs), REASONS.mintMismatch)
  })

  it('a transfer of another amount', async () => {
    await expectRefused(await signedTransaction(cast, await paymentInstructions(cast, { amount: 9_999n })), REASONS.amountMismatch)
  })

  it('the fee payer as the transfer authority (its own tokens)', async () => {
    await cast.world.fund(cast.feePayer.address, 1_000_000n)
    const ixs = await paymentInstructions(cast, { source: await associatedTokenAccount(cast.feePayer.address, cast.world.mint), authority: cast.feePayer.address })
    await expectRefused(await signedTransaction(cast, ixs, { signers: [] }), REASONS.feePayerTransferring)
  })

  it('the fee payer drained by a SOL transfer riding along', async () => {
    const ixs = await paymentInstructions(cast)
    await expectRefused(await signedTransaction(cast, [...ixs.slice(0, 3), solTransfer(cast.feePayer.address, cast.buyer.address, 500_000_000n)]), REASONS.unknownOptional)
  })

  it('the fee payer in a memo instruction’s accounts', async () => {
    const ixs = await paymentInstructions(cast)
    const sneaky = { ...memo('x'), accounts: [{ address: cast.feePayer.address, role: 1 }] } as never
    await expectRefused(await signedTransaction(cast, [...ixs.slice(0, 3), sneaky]), REASONS.feePayerTransferring)
  })

  it('a stale blockhash', async () => {
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    cast.world.svm.expireBlockhash()
    await expectRefused(tx, REASONS.simulationFailed)
  })

  it('a signature that does not verify', async () => {
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    const bytes = Uint8Array.from(atob(tx), (c) => c.charCodeAt(0))
    bytes[75] = bytes[75]! ^ 0xff // inside the buyer's signature (slot 1)
    await expectRefused(btoa(String.fromCharCode(...bytes)), REASONS.signatureInvalid)
  })

  it('a compute price above 5 lamports per unit, a compute limit above the cap, a missing compute budget', async () => {
    const [limit, , transfer, note] = await paymentInstructions(cast)
    await expectRefused(await signedTransaction(cast, [limit!, computePrice(5_000_001n), transfer!, note!]), REASONS.computePriceTooHigh)
    await expectRefused(await signedTransaction(cast, [computeLimit(1_000_000), computePrice(1n), transfer!, note!]), REASONS.computeLimitTooHigh)
    await expectRefused(await signedTransaction(cast, [transfer!, note!, memo('a')]), REASONS.computeLimit)
  })

  it('too few or too many instructions, and no transfer', async () => {
    const [limit, price, , note] = await paymentInstructions(cast)
    await expectRefused(await signedTransaction(cast, [limit!, price!], { signers: [] }), REASONS.instructionsLength)
    await expectRefused(await signedTransaction(cast, [limit!, price!, note!, memo('b')], { signers: [] }), REASONS.noTransfer)
  })

  it('another fee payer than the one the facilitator holds, or none named', async () => {
    const other = await generateKeyPairSigner()
    const tx = await signedTransaction(cast, await paymentInstructions(cast), { feePayer: other.address })
    await expectRefused(tx, REASONS.feePayerNotManaged, { ...cast.requirements, extra: { feePayer: other.address } })
    await expectRefused(tx, REASONS.feePayerMismatch)
    await expectRefused(tx, REASONS.missingFeePayer, { ...cast.requirements, extra: {} })
  })

  it("the seller's memo missing or changed", async () => {
    const requirements = { ...cast.requirements, extra: { ...cast.requirements.extra, memo: 'invoice-42' } }
    const ixs = await paymentInstructions(cast)
    await expectRefused(await signedTransaction(cast, ixs), REASONS.memoMismatch, requirements)
    await expectRefused(await signedTransaction(cast, ixs.slice(0, 3)), REASONS.memoCount, requirements)
  })

  it('an undecodable transaction, a payment on another network', async () => {
    await expectRefused('bm90IGEgdHJhbnNhY3Rpb24=', REASONS.undecodable)
    const tx = await signedTransaction(cast, await paymentInstructions(cast))
    await expectRefused(tx, REASONS.networkMismatch, { ...cast.requirements, network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp' })
  })

  it("a buyer without the tokens: the simulation fails", async () => {
    await cast.world.fund(cast.buyer.address, 5n)
    await expectRefused(await signedTransaction(cast, await paymentInstructions(cast)), REASONS.simulationFailed)
  })
})
