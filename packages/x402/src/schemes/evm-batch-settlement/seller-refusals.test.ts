// Bad input through the seller, on anvil with localFacilitator: each gets a 402 with the spec's reason, the handler
// does not run, and neither the seller's count of the channel nor the chain moves (balances and channel read before
// and after). A forged voucher, a voucher for another channel, receiver or token, a cumulative amount that does not
// advance, an old voucher replayed, a deposit with a bad authorization, two requests at once on one channel, and a
// withdrawal (vouchers checked on chain while it is pending; refused above what it leaves once finalized).
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { encodePaymentSignature } from '../../codec/headers.js'
import type { PaymentRequirements } from '../../codec/types.js'
import { createPaywall } from '../../engine/paywall.js'
import { anvilClient, deployTestToken } from '../../evm/anvil.js'
import { BATCH_SETTLEMENT_ADDRESS, channelIdOf, type ChannelConfig } from '../../evm/batch-settlement/index.js'
import { localFacilitator } from '../../evm/facilitator.js'
import type { Facilitator } from '../../facilitator/types.js'
import { memoryStore } from '../../store/memory.js'
import { advanceTime, send, startBatchCast } from '../../test-support/batch-channel.js'
import { batchKit, wire } from '../../test-support/batch-facilitator.js'
import { readPaymentRequired, readReceipt } from '../../testing/requests.js'
import { readChannelRecord } from './channel-record.js'
import { batchSettlement } from './options.js'

let cast: Awaited<ReturnType<typeof startBatchCast>>
let kit: ReturnType<typeof batchKit>
let facilitator: Facilitator
let requirements: PaymentRequirements
let app: (request: Request) => Promise<Response>
const store = memoryStore()
let hold: Promise<void> | undefined
const handler = vi.fn(async () => {
  await hold
  return Response.json({ ok: true })
})
const reason = (name: string) => `invalid_batch_settlement_evm_${name}`

beforeAll(async () => {
  cast = await startBatchCast()
  kit = batchKit(cast)
  const local = localFacilitator({ rpcUrl: cast.anvil.rpcUrl, settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, pollingIntervalMs: 50 })
  facilitator = { ...local, verify: vi.fn(local.verify.bind(local)), settle: vi.fn(local.settle.bind(local)) }
  const option = batchSettlement({ price: '0.001', network: kit.network, payTo: cast.receiver, asset: { address: kit.token, name: 'USDC', version: '2' }, receiverAuthorizer: cast.receiverAuthorizer.address })
  requirements = option.requirements
  app = createPaywall({ routes: { 'GET /data': option }, facilitator, store, idempotency: false }).protect(handler)
}, 30_000)

afterAll(async () => {
  await cast?.anvil.stop()
})

const requestOf = (payload: unknown) => new Request('https://shop.example/data', { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignature({ x402Version: 2, accepted: requirements, payload: payload as Record<string, unknown> }) } })
const voucherOf = async (config: ChannelConfig, amount: bigint, signer?: Parameters<typeof kit.voucher>[2], channelId?: `0x${string}`) =>
  requestOf({ type: 'voucher', channelConfig: wire(config), voucher: await kit.voucher(config, amount, signer, channelId) })

/** The seller's count and the chain: what a refusal must leave as it was. */
async function books(config: ChannelConfig) {
  const channelId = channelIdOf(config, kit.chainId)
  return {
    charged: (await readChannelRecord(store, channelId))?.chargedCumulativeAmount,
    channel: await kit.stateOf(channelId),
    payer: await kit.balanceOf(cast.payer.address),
    escrow: await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS),
    receiver: await kit.balanceOf(cast.receiver),
  }
}

/** `request` is refused with `expected` (a 402), the handler does not run, and nothing moves. */
async function refused(config: ChannelConfig, request: Request | Promise<Request>, expected: string) {
  const before = await books(config)
  const runs = handler.mock.calls.length
  const response = await app(await request)
  expect(response.status).toBe(402)
  expect((await readPaymentRequired(response)).v2?.error).toBe(reason(expected))
  expect(handler.mock.calls.length).toBe(runs)
  expect(await books(config)).toEqual(before)
}

async function paid(request: Request | Promise<Request>, charged: string) {
  const response = await app(await request)
  expect(response.status).toBe(200)
  expect(readReceipt(response)?.extra).toMatchObject({ channelState: { chargedCumulativeAmount: charged } })
}

describe('batch-settlement bad input through the seller (anvil)', () => {
  let config: ChannelConfig
  let second: Request

  beforeAll(async () => {
    config = kit.newChannel()
    await paid(requestOf(await kit.erc3009Deposit(config, 50_000n, 1_000n)), '1000')
    second = await voucherOf(config, 2_000n)
    await paid(second.clone(), '2000')
  })

  it('a forged voucher: voucher_signature', async () => {
    await refused(config, voucherOf(config, 3_000n, privateKeyToAccount(cast.anvil.privateKeys[7]!)), 'voucher_signature')
  })

  it('a voucher for another channel, receiver or token: the mismatch; a channel never funded: channel_not_found', async () => {
    const other = kit.newChannel()
    await refused(config, voucherOf(config, 3_000n, undefined, channelIdOf(other, kit.chainId)), 'channel_id_mismatch')
    await refused(config, voucherOf(kit.newChannel({ receiver: cast.anvil.accounts[8]!.address }), 3_000n), 'receiver_mismatch')
    await refused(config, voucherOf(kit.newChannel({ token: await deployTestToken(cast.owner) }), 3_000n), 'token_mismatch')
    await refused(other, voucherOf(other, 1_000n), 'channel_not_found')
  })

  it('a cumulative amount that does not advance, and an old voucher replayed: the corrective 402', async () => {
    await refused(config, voucherOf(config, 2_000n), 'cumulative_amount_mismatch')
    await refused(config, voucherOf(config, 1_500n), 'cumulative_amount_mismatch')
    await refused(config, second.clone(), 'cumulative_amount_mismatch')
  })

  it('a deposit with a bad authorization, to top up or to open: the facilitator refuses it, nothing is deposited', async () => {
    const forger = privateKeyToAccount(cast.anvil.privateKeys[7]!)
    await refused(config, requestOf(await kit.erc3009Deposit(config, 10_000n, 3_000n, { signer: forger })), 'receive_authorization_signature')
    const fresh = kit.newChannel()
    await refused(fresh, requestOf(await kit.erc3009Deposit(fresh, 10_000n, 1_000n, { signer: forger })), 'receive_authorization_signature')
    await refused(fresh, requestOf(await kit.erc3009Deposit(fresh, 10_000n, 1_000n, { validBefore: BigInt(Math.floor(Date.now() / 1000) - 1) })), 'payload_authorization_valid_before')
  })

  it('two requests at once on one channel: the second gets channel_busy, and only the first is charged', async () => {
    let release!: () => void
    hold = new Promise<void>((resolve) => (release = resolve))
    const first = app(await voucherOf(config, 3_000n))
    await vi.waitFor(() => expect(handler.mock.calls.length).toBeGreaterThan(2))
    await refused(config, voucherOf(config, 3_000n), 'channel_busy')
    release()
    hold = undefined
    expect((await first).status).toBe(200)
    expect(await books(config)).toMatchObject({ charged: '3000', channel: { balance: 50_000n, totalClaimed: 0n } })
  })
})

describe('a withdrawal in progress, through the seller (anvil)', () => {
  it('vouchers are checked on chain while it is pending; once finalized, one above what it left is refused, charging nothing', async () => {
    // Opened by a deposit the seller did not see; the payer then starts a timed withdrawal of most of it.
    const config = kit.newChannel()
    expect(await facilitator.settle(kit.requestFor(await kit.erc3009Deposit(config, 10_000n, 1_000n)), new AbortController().signal)).toMatchObject({ success: true })
    const payerClient = anvilClient(cast.anvil, cast.payer)
    await send(payerClient, 'initiateWithdraw', [config, 9_000n])
    const verifies = vi.mocked(facilitator.verify).mock.calls.length
    await paid(voucherOf(config, 1_000n), '1000')
    await paid(voucherOf(config, 2_000n), '2000')
    // The seller knows of the withdrawal: no voucher is checked alone, each one by the facilitator on chain.
    expect(vi.mocked(facilitator.verify).mock.calls.length).toBe(verifies + 2)
    expect(await readChannelRecord(store, channelIdOf(config, kit.chainId))).toMatchObject({ withdrawRequestedAt: expect.any(Number) })
    await advanceTime(payerClient, 901)
    await send(payerClient, 'finalizeWithdraw', [config])
    expect(await kit.stateOf(channelIdOf(config, kit.chainId))).toMatchObject({ balance: 1_000n, withdrawRequestedAt: 0 })
    await refused(config, voucherOf(config, 3_000n), 'cumulative_exceeds_balance')
  })
})
