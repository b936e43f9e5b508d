// A seller whose channel record is behind the chain: the chain claimed 5 000 on a channel, and the seller's record
// says 2 000 was charged (its Store restored from a copy taken then; the claim made before the restore, or by
// another tool). A channel live and funded on chain must not be dead to its seller: the buyer (batchPayer +
// wrapFetch) is served again after at most one corrective round, whether its own count is the chain's or is as
// old as the seller's, whether the seller learns the claim from its record's mirror (the claim service's write-back)
// or from the facilitator (a verify, or its refusal). Then the claim service claims exactly what was served since,
// and the money adds up on anvil.
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { PaymentRequired } from '../../codec/types.js'
import { createPaywall } from '../../engine/paywall.js'
import type { PaywallEvent } from '../../engine/types.js'
import { BATCH_SETTLEMENT_ADDRESS } from '../../evm/batch-settlement/index.js'
import { localFacilitator } from '../../evm/facilitator.js'
import type { Facilitator } from '../../facilitator/types.js'
import { memoryStore } from '../../store/memory.js'
import { memoryBuyerChannelStore, type BuyerChannel } from '../../client/batch-channel-store.js'
import { batchPayer } from '../../client/batch-payer.js'
import { getReceipt } from '../../client/receipt.js'
import { wrapFetch } from '../../client/wrap-fetch.js'
import { randomSalt, startBatchCast } from '../../test-support/batch-channel.js'
import { batchKit } from '../../test-support/batch-facilitator.js'
import { readPaymentRequired } from '../../testing/requests.js'
import { channelIndexOf } from './channel-index.js'
import { channelKey, readChannelRecord, type ChannelRecord } from './channel-record.js'
import { batchSettlement } from './options.js'
import { storeClaimSource } from './store-claim-source.js'

const PRICE = 1_000n
const DEPOSIT = 50_000n
const CLAIMED = 5_000n
const PREFIX = 'invalid_batch_settlement_evm_'

let cast: Awaited<ReturnType<typeof startBatchCast>>
let kit: ReturnType<typeof batchKit>
let local: Facilitator

beforeAll(async () => {
  cast = await startBatchCast()
  kit = batchKit(cast)
  local = localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, pollingIntervalMs: 50 })
}, 30_000)

afterAll(async () => {
  await cast?.anvil.stop()
})

/** A seller with its claim service (it claims and settles on close), a buyer, and what passes between them. */
function market() {
  const store = memoryStore()
  const events: PaywallEvent[] = []
  const verify = vi.fn(local.verify.bind(local))
  const facilitator: Facilitator = { ...local, verify }
  const option = batchSettlement({
    price: '0.001',
    network: kit.network,
    payTo: cast.receiver,
    asset: { address: kit.token, name: 'USDC', version: '2' },
    receiverAuthorizer: cast.receiverAuthorizer.address,
    claims: { periodicMs: 0 },
  })
  const paywall = createPaywall({ routes: { 'GET /data': option }, facilitator, store, idempotency: false, onEvent: (event) => events.push(event) })
  const handler = vi.fn(() => Response.json({ secret: 'delivered' }))
  const app = paywall.protect(handler)
  /** The seller's answers, in order: the status, and the 402's error when it has one. */
  const answers: string[] = []
  const required: PaymentRequired[] = []
  const buyerStore = memoryBuyerChannelStore()
  const payer = batchPayer({ account: cast.payer, rpcUrl: cast.anvil.rpcUrl, deposit: DEPOSIT, store: buyerStore, salt: randomSalt() })
  const paidFetch = wrapFetch(
    async (request: Request) => {
      const response = await app(request)
      const demand = response.status === 402 ? (await readPaymentRequired(response)).v2 : undefined
      if (demand) required.push(demand)
      answers.push(demand?.error?.startsWith(PREFIX) ? `402 ${demand.error.slice(PREFIX.length)}` : String(response.status))
      return response
    },
    { payers: [payer], maxAmount: 100_000n },
  )
  /** One request as the buyer makes it, served, and the seller's count after it. */
  async function served(count: bigint) {
    const response = await paidFetch('https://shop.example/data')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ secret: 'delivered' })
    expect(getReceipt(response)?.extra).toMatchObject({ chargedAmount: PRICE.toString(), channelState: { chargedCumulativeAmount: count.toString() } })
  }
  return { store, events, verify, paywall, handler, answers, required, buyerStore, payer, served }
}

type Market = ReturnType<typeof market>

/**
 * The buyer served up to 5 000 (a deposit, then vouchers), the chain's claim of 5 000 made from the seller's last
 * voucher, then the seller's record put back as it was at 2 000, its chain mirror old (not fresh). `writeBack`
 * lands the claim service's write-back of the claim on the restored record: its mirror then knows the claim.
 */
async function behindTheChain(m: Market, writeBack: boolean) {
  await m.served(1_000n)
  await m.served(2_000n)
  const id = (await m.payer.channels())[0]!.channelId as Hex
  const backup = { ...(await readChannelRecord(m.store, id))!, onchainSyncedAt: 0 } satisfies ChannelRecord
  const buyerBackup = (await m.buyerStore.get(id))!
  for (const count of [3_000n, 4_000n, CLAIMED]) await m.served(count)
  const record = (await readChannelRecord(m.store, id))!
  const row = { voucher: { channel: record.channelConfig, maxClaimableAmount: record.signedMaxClaimable }, signature: record.signature, totalClaimed: record.chargedCumulativeAmount }
  expect(await local.settle(kit.requestFor({ type: 'claim', claims: [row] }), new AbortController().signal)).toMatchObject({ success: true })
  await m.store.set(channelKey(id), backup, 60_000)
  if (writeBack) {
    const claims = storeClaimSource({ store: m.store, index: channelIndexOf(m.store)!, network: kit.network, receiver: cast.receiver, token: kit.token })
    await claims.claimed([{ channelId: id, totalClaimed: CLAIMED }])
  }
  expect(await readChannelRecord(m.store, id)).toMatchObject({ chargedCumulativeAmount: '2000', totalClaimed: writeBack ? '5000' : '0' })
  expect(await kit.stateOf(id)).toMatchObject({ balance: DEPOSIT, totalClaimed: CLAIMED })
  m.answers.length = 0
  return { id, backup, buyerBackup, before: await ledger(id) }
}

/** The buyer's own count put back as old as the seller's record (2 000). */
async function buyerAsOld(m: Market, buyerBackup: BuyerChannel) {
  await m.buyerStore.set({ ...buyerBackup, updatedAt: Date.now() })
}

async function ledger(id: Hex) {
  return { payer: await kit.balanceOf(cast.payer.address), receiver: await kit.balanceOf(cast.receiver), escrow: await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS), channel: await kit.stateOf(id) }
}

/**
 * On close the claim service claims what was served after the claim of 5 000, no more, and sweeps it all: the
 * receiver gets `count` in all, the buyer paid its deposit once, the escrow holds the rest.
 */
async function claimedExactly(m: Market, id: Hex, count: bigint, before: Awaited<ReturnType<typeof ledger>>) {
  expect(await readChannelRecord(m.store, id)).toMatchObject({ chargedCumulativeAmount: count.toString(), signedMaxClaimable: count.toString() })
  await m.paywall.close()
  const claimed = m.events.filter((event) => event.type === 'batch.claimed')
  expect(claimed).toHaveLength(1)
  expect(claimed[0]).toMatchObject({ amount: (count - CLAIMED).toString(), channels: [{ channelId: id, amount: (count - CLAIMED).toString() }] })
  const after = await ledger(id)
  expect(after.channel).toMatchObject({ balance: DEPOSIT, totalClaimed: count })
  expect(after.payer).toBe(before.payer)
  expect(after.receiver).toBe(before.receiver + count)
  expect(after.escrow).toBe(before.escrow - count)
}

describe('a seller whose channel record is behind what the chain claimed', () => {
  it('knows the claim from its record (the write-back): a buyer as old as the record is served after one corrective round, from the chain\'s claim', async () => {
    const m = market()
    const { id, buyerBackup, before } = await behindTheChain(m, true)
    await buyerAsOld(m, buyerBackup)
    const verifies = m.verify.mock.calls.length
    // Its 3 000 is below the claim: refused with the chain's count and no voucher (the seller's last one is for 2 000).
    await m.served(CLAIMED + PRICE)
    expect(m.answers).toEqual(['402', '402 cumulative_below_claimed', '200'])
    const corrective = m.required.find((demand) => demand.error === `${PREFIX}cumulative_below_claimed`)!.accepts[0]!.extra!
    expect(corrective.channelState).toMatchObject({ channelId: id, totalClaimed: '5000', chargedCumulativeAmount: '5000' })
    expect(corrective.voucherState).toBeUndefined()
    expect(m.verify.mock.calls.length).toBe(verifies + 1) // the refusal was the seller's own; the retry's state was not fresh
    await m.served(CLAIMED + 2n * PRICE)
    expect(m.handler).toHaveBeenCalledTimes(7)
    await claimedExactly(m, id, CLAIMED + 2n * PRICE, before)
  }, 120_000)

  it('a buyer whose count is the chain\'s is served at once: its voucher follows the count raised to the claim', async () => {
    const m = market()
    const { id, before } = await behindTheChain(m, true)
    await m.served(CLAIMED + PRICE)
    expect(m.answers).toEqual(['402', '200'])
    await m.served(CLAIMED + 2n * PRICE)
    await claimedExactly(m, id, CLAIMED + 2n * PRICE, before)
  }, 120_000)

  it('learns the claim from the facilitator: from the verify of a voucher ahead of its count, and from the refusal of one that follows it', async () => {
    const m = market()
    const { id, backup, buyerBackup, before } = await behindTheChain(m, false)
    // 6 000 is ahead of the record's 2 000: the facilitator, asked, reports the claim, and the voucher follows it.
    const verifies = m.verify.mock.calls.length
    await m.served(CLAIMED + PRICE)
    expect(m.answers).toEqual(['402', '200'])
    expect(m.verify.mock.calls.length).toBe(verifies + 1)
    expect(await readChannelRecord(m.store, id)).toMatchObject({ chargedCumulativeAmount: '6000', totalClaimed: '5000' })

    // The record put back once more, and the buyer as old as it: its 3 000 follows the record and the facilitator
    // refuses it (below the claim) with the channel's state, which the record keeps; the buyer's retry is served.
    await m.store.set(channelKey(id), backup, 60_000)
    await buyerAsOld(m, buyerBackup)
    m.answers.length = 0
    await m.served(CLAIMED + PRICE)
    expect(m.answers).toEqual(['402', '402 cumulative_below_claimed', '200'])
    await m.served(CLAIMED + 2n * PRICE)
    // The 6 000 served before the second restore was lost with the seller's record: served twice, paid once.
    expect(m.handler).toHaveBeenCalledTimes(8)
    await claimedExactly(m, id, CLAIMED + 2n * PRICE, before)
  }, 120_000)
})
