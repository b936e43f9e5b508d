// settlement_pending for batch-settlement on an anvil whose blocks are mined by hand: a deposit, claim, settle or
// refund whose transaction went out without a receipt in time is answered settlement_pending with its hash; the
// same payload asked again is answered about that transaction (still pending, then its outcome once mined), and
// nothing is ever sent twice: balances and the channel read on chain after.
import { createPublicClient, http } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Facilitator } from '../../facilitator/types.js'
import { useBatchCast } from '../../test-support/batch-cast.js'
import { batchKit, wire } from '../../test-support/batch-facilitator.js'
import { localFacilitator } from '../facilitator.js'
import { BATCH_SETTLEMENT_ADDRESS, type ChannelConfig } from './constants.js'
import { channelIdOf } from './typed-data.js'

const cast = useBatchCast({ mining: 'manual' }) // blocks come only from evm_mine
let kit: ReturnType<typeof batchKit>
let facilitator: Facilitator
const live = () => new AbortController().signal
const rpc = (method: string, params: unknown[] = []) => cast.owner.request({ method, params } as never)
const mempool = async () => Number(((await rpc('txpool_status')) as { pending: string }).pending)
const HASH = /^0x[0-9a-f]{64}$/

beforeAll(async () => {
  kit = batchKit(cast)
  const client = createPublicClient({ chain: cast.anvil.chain, transport: http(cast.anvil.rpcUrl), pollingInterval: 100 })
  facilitator = localFacilitator({ client, settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, receiptTimeoutMs: 800 })
}, 30_000)

/** Settles `payload` twice before a block (pending, the same hash, one transaction out), then once after one is mined. */
async function pendingThenMined(payload: Record<string, unknown>) {
  const request = kit.requestFor(payload)
  const first = await facilitator.settle(request, live())
  expect(first).toMatchObject({ success: false, errorReason: 'settlement_pending', network: kit.network })
  expect(first.transaction).toMatch(HASH)
  expect(await mempool()).toBe(1)
  expect(await facilitator.settle(request, live())).toMatchObject({ success: false, errorReason: 'settlement_pending', transaction: first.transaction })
  expect(await mempool()).toBe(1)
  await rpc('evm_mine')
  const mined = await facilitator.settle(request, live())
  expect(mined).toMatchObject({ success: true, transaction: first.transaction })
  expect(await mempool()).toBe(0)
  return mined
}

describe('batch-settlement transactions out without a receipt in time', () => {
  let config: ChannelConfig
  let channelId: `0x${string}`

  it('a deposit: settlement_pending with the hash, then the deposit once, and the channel holds it once', async () => {
    config = kit.newChannel()
    channelId = channelIdOf(config, kit.chainId)
    const [payerBefore, escrowBefore] = [await kit.balanceOf(cast.payer.address), await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS)]
    const mined = await pendingThenMined(await kit.erc3009Deposit(config, 40_000n, 1_000n))
    expect(mined).toMatchObject({ amount: '40000', payer: cast.payer.address, extra: { channelState: { balance: '40000', totalClaimed: '0' } } })
    expect(await kit.stateOf(channelId)).toMatchObject({ balance: 40_000n, totalClaimed: 0n })
    expect(await kit.balanceOf(cast.payer.address)).toBe(payerBefore - 40_000n)
    expect(await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS)).toBe(escrowBefore + 40_000n)
  }, 60_000)

  it('a claim and a settle: each pending, then answered from its one transaction (the claimed amounts, the sweep)', async () => {
    const claimed = await pendingThenMined({ type: 'claim', claims: [await kit.claimOf(config, 7_000n)] })
    expect(claimed.extra).toMatchObject({ claims: [{ channelId, claimed: '7000', totalClaimed: '7000' }] })
    expect(await kit.stateOf(channelId)).toMatchObject({ balance: 40_000n, totalClaimed: 7_000n })

    const receiverBefore = await kit.balanceOf(cast.receiver)
    const swept = await pendingThenMined({ type: 'settle', receiver: cast.receiver, token: kit.token })
    expect(swept).toMatchObject({ amount: '7000' })
    expect(await kit.balanceOf(cast.receiver)).toBe(receiverBefore + 7_000n)
    // Asked once more, the chain says it is done: nothing to settle, nothing sent.
    expect(await facilitator.settle(kit.requestFor({ type: 'settle', receiver: cast.receiver, token: kit.token }), live())).toMatchObject({
      success: false,
      errorReason: 'invalid_batch_settlement_evm_nothing_to_settle',
    })
    expect(await mempool()).toBe(0)
  }, 60_000)

  it('a refund: pending, then the unclaimed balance back once', async () => {
    const payerBefore = await kit.balanceOf(cast.payer.address)
    const refund = { type: 'refund', channelConfig: wire(config), voucher: await kit.voucher(config, 9_000n), amount: '31000', refundNonce: '0', claims: [await kit.claimOf(config, 9_000n)] }
    const mined = await pendingThenMined(refund)
    expect(mined).toMatchObject({ amount: '31000', extra: { channelState: { balance: '9000', totalClaimed: '9000', refundNonce: '1' } } })
    expect(await kit.balanceOf(cast.payer.address)).toBe(payerBefore + 31_000n)
    expect(await kit.stateOf(channelId)).toMatchObject({ balance: 9_000n, totalClaimed: 9_000n, refundNonce: 1n })
  }, 60_000)

  it('a deposit whose transaction was dropped from the mempool: sent again, not pending for ever, and deposited once', async () => {
    const dropped = kit.newChannel()
    const droppedId = channelIdOf(dropped, kit.chainId)
    const [payerBefore, escrowBefore] = [await kit.balanceOf(cast.payer.address), await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS)]
    const request = kit.requestFor(await kit.erc3009Deposit(dropped, 25_000n, 1_000n))
    const first = await facilitator.settle(request, live())
    expect(first).toMatchObject({ success: false, errorReason: 'settlement_pending' })
    await rpc('anvil_dropAllTransactions')
    expect(await mempool()).toBe(0)
    // Asked again, the facilitator finds its transaction gone and sends the same authorization anew.
    const again = await facilitator.settle(request, live())
    expect(again).toMatchObject({ success: false, errorReason: 'settlement_pending' })
    expect(again.transaction).toMatch(HASH)
    expect(await mempool()).toBe(1)
    await rpc('evm_mine')
    expect(await facilitator.settle(request, live())).toMatchObject({ success: true, transaction: again.transaction, amount: '25000' })
    expect(await mempool()).toBe(0)
    expect(await kit.stateOf(droppedId)).toMatchObject({ balance: 25_000n, totalClaimed: 0n })
    expect(await kit.balanceOf(cast.payer.address)).toBe(payerBefore - 25_000n)
    expect(await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS)).toBe(escrowBefore + 25_000n)
  }, 60_000)
})
