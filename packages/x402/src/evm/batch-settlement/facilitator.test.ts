// localFacilitator's batch-settlement path on anvil (our x402BatchSettlement at the canonical address): verify and
// settle of deposits (ERC-3009 and Permit2), vouchers, claims of many channels in one transaction (signed by its
// receiver authorizer or by the seller), the sweep to the receiver, and refunds. Bad input: facilitator-refusals.test.ts.
import { zeroAddress } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Facilitator } from '../../facilitator/types.js'
import { useBatchCast } from '../../test-support/batch-cast.js'
import { batchKit, wire } from '../../test-support/batch-facilitator.js'
import { anvilClient, fundUsdc } from '../anvil.js'
import { localFacilitator } from '../facilitator.js'
import { ensurePermit2Allowance, MAX_UINT256 } from '../permit2-approve.js'
import { BATCH_SETTLEMENT_ADDRESS, type ChannelConfig } from './constants.js'
import { claimBatchTypedData, channelIdOf } from './typed-data.js'
import { toVoucherClaims } from './payload-parse.js'

const cast = useBatchCast()
let kit: ReturnType<typeof batchKit>
let facilitator: Facilitator
const live = () => new AbortController().signal

beforeAll(async () => {
  kit = batchKit(cast)
  facilitator = localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, pollingIntervalMs: 50 })
}, 30_000)

/** An open channel with `amount` deposited through the facilitator. */
async function openChannel(amount = 50_000n, overrides: Partial<ChannelConfig> = {}) {
  const config = kit.newChannel(overrides)
  const settled = await facilitator.settle(kit.requestFor(await kit.erc3009Deposit(config, amount, 1000n)), live())
  expect(settled).toMatchObject({ success: true })
  return { config, channelId: channelIdOf(config, kit.chainId) }
}

describe('localFacilitator: batch-settlement', () => {
  it('lists batch-settlement with its receiver authorizer, and names it for offers', async () => {
    const kinds = await facilitator.supported!(live())
    expect(kinds).toContainEqual({ x402Version: 2, scheme: 'batch-settlement', network: kit.network, extra: { receiverAuthorizer: cast.receiverAuthorizer.address } })
    expect(facilitator.offerExtra?.({ scheme: 'batch-settlement', network: kit.network })).toEqual({ receiverAuthorizer: cast.receiverAuthorizer.address })
  })

  it('by default signs with a key derived from the settler key: its own, the same after a restart; a bad key is refused', () => {
    const settler = cast.anvil.privateKeys[6]!
    const authorizerOf = (made: Facilitator) => made.offerExtra?.({ scheme: 'batch-settlement', network: kit.network })?.receiverAuthorizer
    const first = authorizerOf(localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler }))
    expect(first).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(first).not.toBe(cast.anvil.accounts[6]!.address)
    expect(authorizerOf(localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler }))).toBe(first)
    expect(() => localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler, receiverAuthorizer: '0x1234' })).toThrow(
      expect.objectContaining({ code: 'invalid_options', details: expect.objectContaining({ path: 'localFacilitator.receiverAuthorizer' }) }),
    )
  })

  it('verifies an ERC-3009 deposit with the snapshot, then settles it: the payer pays the deposit into the channel', async () => {
    const config = kit.newChannel()
    const channelId = channelIdOf(config, kit.chainId)
    const payload = await kit.erc3009Deposit(config, 40_000n, 1000n)
    expect(await facilitator.verify(kit.requestFor(payload), live())).toEqual({
      isValid: true,
      payer: cast.payer.address,
      network: kit.network,
      extra: { channelId, balance: '0', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0' },
    })
    const [payerBefore, escrowBefore] = [await kit.balanceOf(cast.payer.address), await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS)]
    const settled = await facilitator.settle(kit.requestFor(payload), live())
    expect(settled).toEqual({
      success: true,
      transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      network: kit.network,
      payer: cast.payer.address,
      amount: '40000',
      extra: { channelState: { channelId, balance: '40000', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0' } },
    })
    expect([await kit.balanceOf(cast.payer.address), await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS)]).toEqual([payerBefore - 40_000n, escrowBefore + 40_000n])
    // The same authorization again: the dry run refuses it, nothing moves.
    expect(await facilitator.settle(kit.requestFor(payload), live())).toMatchObject({ success: false, errorReason: 'invalid_batch_settlement_evm_deposit_simulation_failed' })
    expect(await kit.balanceOf(cast.payer.address)).toBe(payerBefore - 40_000n)
  })

  it('deposits by Permit2 for a payer that approved Permit2; one that did not is told to', async () => {
    const payer = privateKeyToAccount(cast.anvil.privateKeys[8]!)
    await fundUsdc(cast.owner, kit.token, payer.address, 100_000n)
    const config = kit.newChannel({ payer: payer.address })
    const payload = await kit.permit2Deposit(config, 30_000n, 1000n, payer)
    const requirements = kit.offer({}, { assetTransferMethod: 'permit2' })
    expect(await facilitator.verify(kit.requestFor(payload, requirements), live())).toMatchObject({ isValid: false, invalidReason: 'invalid_batch_settlement_evm_permit2_allowance_required' })
    await ensurePermit2Allowance(anvilClient(cast.anvil, payer), kit.token, 1n, MAX_UINT256)
    expect(await facilitator.verify(kit.requestFor(payload, requirements), live())).toMatchObject({ isValid: true, payer: payer.address })
    expect(await facilitator.settle(kit.requestFor(payload, requirements), live())).toMatchObject({ success: true, amount: '30000' })
    expect(await kit.balanceOf(payer.address)).toBe(70_000n)
    expect((await kit.stateOf(channelIdOf(config, kit.chainId))).balance).toBe(30_000n)
  })

  it('verifies vouchers, claims two channels in one claimWithSignature it signs, and sweeps them to the receiver', async () => {
    const a = await openChannel()
    const b = await openChannel()
    const v = await kit.voucher(a.config, 7_000n)
    expect(await facilitator.verify(kit.requestFor({ type: 'voucher', channelConfig: wire(a.config), voucher: v }), live())).toEqual({
      isValid: true,
      payer: cast.payer.address,
      network: kit.network,
      extra: { channelId: a.channelId, balance: '50000', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0' },
    })
    const claim = { type: 'claim' as const, claims: [await kit.claimOf(a.config, 7_000n), await kit.claimOf(b.config, 4_000n, 2_500n)] }
    const claimed = await facilitator.settle(kit.requestFor(claim), live())
    expect(claimed).toMatchObject({ success: true, amount: '', transaction: expect.stringMatching(/^0x/) })
    expect(claimed.extra).toEqual({ claims: [{ channelId: a.channelId, claimed: '7000', totalClaimed: '7000' }, { channelId: b.channelId, claimed: '2500', totalClaimed: '2500' }] })
    expect([(await kit.stateOf(a.channelId)).totalClaimed, (await kit.stateOf(b.channelId)).totalClaimed]).toEqual([7_000n, 2_500n])

    const receiverBefore = await kit.balanceOf(cast.receiver)
    const swept = await facilitator.settle(kit.requestFor({ type: 'settle', receiver: cast.receiver, token: kit.token }), live())
    expect(swept).toMatchObject({ success: true, amount: '9500' })
    expect(await kit.balanceOf(cast.receiver)).toBe(receiverBefore + 9_500n)
    expect(await facilitator.settle(kit.requestFor({ type: 'settle', receiver: cast.receiver, token: kit.token }), live())).toMatchObject({ success: false, errorReason: 'invalid_batch_settlement_evm_nothing_to_settle' })
  })

  it('takes a claim signed by the seller, and refuses to sign for a channel whose receiver authorizer is another', async () => {
    const foreignAuthorizer = privateKeyToAccount(cast.anvil.privateKeys[9]!)
    const requirements = kit.offer({}, { receiverAuthorizer: foreignAuthorizer.address })
    const config = kit.newChannel({ receiverAuthorizer: foreignAuthorizer.address })
    expect(await facilitator.settle(kit.requestFor(await kit.erc3009Deposit(config, 10_000n, 1000n), requirements), live())).toMatchObject({ success: true })
    const row = await kit.claimOf(config, 3_000n)
    const unsigned = await facilitator.settle(kit.requestFor({ type: 'claim', claims: [row] }, requirements), live())
    expect(unsigned).toMatchObject({ success: false, errorReason: 'invalid_batch_settlement_evm_authorizer_address_mismatch' })
    const claimAuthorizerSignature = await foreignAuthorizer.signTypedData(claimBatchTypedData(toVoucherClaims([row]), kit.chainId))
    expect(await facilitator.settle(kit.requestFor({ type: 'claim', claims: [row], claimAuthorizerSignature }, requirements), live())).toMatchObject({ success: true })
    expect((await kit.stateOf(channelIdOf(config, kit.chainId))).totalClaimed).toBe(3_000n)
  })

  it('refunds the unclaimed balance with the claims up to now, in one transaction, and says what it returned', async () => {
    const { config, channelId } = await openChannel(20_000n)
    const zeroCharge = await kit.voucher(config, 2_500n)
    const refund = {
      type: 'refund' as const,
      channelConfig: wire(config),
      voucher: zeroCharge,
      amount: '17500',
      refundNonce: '0',
      claims: [await kit.claimOf(config, 2_500n)],
    }
    expect(await facilitator.verify(kit.requestFor({ type: 'refund', channelConfig: wire(config), voucher: zeroCharge }), live())).toMatchObject({ isValid: true })
    const payerBefore = await kit.balanceOf(cast.payer.address)
    const refunded = await facilitator.settle(kit.requestFor(refund), live())
    expect(refunded).toMatchObject({
      success: true,
      payer: cast.payer.address,
      amount: '17500',
      extra: { channelState: { channelId, balance: '2500', totalClaimed: '2500', withdrawRequestedAt: 0, refundNonce: '1' } },
    })
    expect(await kit.balanceOf(cast.payer.address)).toBe(payerBefore + 17_500n)
    const again = await facilitator.settle(kit.requestFor({ ...refund, refundNonce: '1', claims: [] }), live())
    expect(again).toMatchObject({ success: false, errorReason: 'invalid_batch_settlement_evm_refund_no_balance' })
  })

  it('takes a voucher of a channel without payer authorizer when the payer signed it (asked on chain)', async () => {
    const { config } = await openChannel(10_000n, { payerAuthorizer: zeroAddress })
    const bySelf = await kit.voucher(config, 2_000n, cast.payer)
    expect(await facilitator.verify(kit.requestFor({ type: 'voucher', channelConfig: wire(config), voucher: bySelf }), live())).toMatchObject({ isValid: true })
    const byKey = await kit.voucher(config, 2_000n, cast.voucherKey)
    expect(await facilitator.verify(kit.requestFor({ type: 'voucher', channelConfig: wire(config), voucher: byKey }), live())).toMatchObject({ isValid: false, invalidReason: 'invalid_batch_settlement_evm_voucher_signature' })
  })
})
