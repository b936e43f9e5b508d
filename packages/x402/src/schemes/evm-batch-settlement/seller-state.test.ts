// The seller's channel state when it cannot be trusted or read, through the paywall on anvil with localFacilitator:
// a Store that fails (reserving the channel, committing its charge), a facilitator that reports no channel state,
// a chain RPC that is down when the channel must be read there, a voucher below what the chain says is claimed
// (checked locally), and the seller-side refusals no other test reaches (a malformed deposit or refund, a refund of
// a channel the seller holds nothing for). Each time: the status and code, the handler not run (or its answer
// withheld), the seller's record and the chain as they were, and the same voucher taken once things are right.
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { encodePaymentSignature } from '../../codec/headers.js'
import type { PaymentRequirements } from '../../codec/types.js'
import { createPaywall } from '../../engine/paywall.js'
import { BATCH_SETTLEMENT_ADDRESS, channelIdOf, type ChannelConfig } from '../../evm/batch-settlement/index.js'
import { localFacilitator } from '../../evm/facilitator.js'
import type { Facilitator } from '../../facilitator/types.js'
import { memoryStore } from '../../store/memory.js'
import type { Store } from '../../store/types.js'
import { startBatchCast } from '../../test-support/batch-channel.js'
import { batchKit, wire } from '../../test-support/batch-facilitator.js'
import { listen, type TestServer } from '../../test-support/server.js'
import { readPaymentRequired, readReceipt } from '../../testing/requests.js'
import { channelIndexOf } from './channel-index.js'
import { channelKey, readChannelRecord, type ChannelRecord } from './channel-record.js'
import { batchSettlement } from './options.js'
import { storeClaimSource } from './store-claim-source.js'

let cast: Awaited<ReturnType<typeof startBatchCast>>
let kit: ReturnType<typeof batchKit>
let local: Facilitator
let facilitator: Facilitator
let requirements: PaymentRequirements
let app: (request: Request) => Promise<Response>
/** Reports each verify as it is, unless `noSnapshot` strips the channel state from a valid one. */
let noSnapshot = false
const handler = vi.fn(() => Response.json({ secret: 'delivered' }))
const reason = (name: string) => `invalid_batch_settlement_evm_${name}`

// The paywall's Store: a memory store whose named operations fail while listed in `down`.
const inner = memoryStore()
const down = new Set<string>()
const store = new Proxy(inner, {
  get(target, name, receiver) {
    const value = Reflect.get(target, name, receiver) as unknown
    if (typeof value !== 'function') return value
    return (...args: unknown[]) => (down.has(String(name)) ? Promise.reject(new Error(`the store is down (${String(name)})`)) : (value as (...a: unknown[]) => unknown).apply(target, args))
  },
}) as Store

// A second seller whose facilitator reads the chain through a proxy that can go down.
let rpcDown = false
let rpcProxy: TestServer
let rpcApp: (request: Request) => Promise<Response>
const rpcStore = memoryStore()

beforeAll(async () => {
  cast = await startBatchCast()
  kit = batchKit(cast)
  const facilitatorOptions = { settler: cast.anvil.privateKeys[6]!, receiverAuthorizer: cast.anvil.privateKeys[3]!, pollingIntervalMs: 50 }
  local = localFacilitator({ ...facilitatorOptions, rpcUrl: cast.anvil.rpcUrl })
  facilitator = {
    ...local,
    verify: vi.fn(async (request, signal) => {
      const verified = await local.verify(request, signal)
      if (!noSnapshot || !verified.isValid) return verified
      const { extra: _dropped, ...rest } = verified as typeof verified & { extra?: unknown }
      return rest
    }),
    settle: vi.fn(local.settle.bind(local)),
  }
  const option = () =>
    batchSettlement({ price: '0.001', network: kit.network, payTo: cast.receiver, asset: { address: kit.token, name: 'USDC', version: '2' }, receiverAuthorizer: cast.receiverAuthorizer.address, claims: false })
  requirements = option().requirements
  app = createPaywall({ routes: { 'GET /data': option() }, facilitator, store, idempotency: false }).protect(handler)

  rpcProxy = await listen(async (request) => {
    if (rpcDown) return new Response('node unavailable', { status: 503 })
    return fetch(cast.anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await request.text() })
  })
  const throughProxy = localFacilitator({ ...facilitatorOptions, settler: cast.anvil.privateKeys[8]!, rpcUrl: rpcProxy.url })
  rpcApp = createPaywall({ routes: { 'GET /data': option() }, facilitator: throughProxy, store: rpcStore, idempotency: false, verifyTimeoutMs: 10_000 }).protect(handler)
}, 30_000)

afterAll(async () => {
  await rpcProxy?.close()
  await cast?.anvil.stop()
})

const requestOf = (payload: unknown) =>
  new Request('https://shop.example/data', { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignature({ x402Version: 2, accepted: requirements, payload: payload as Record<string, unknown> }) } })
const voucherOf = async (config: ChannelConfig, amount: bigint) => requestOf({ type: 'voucher', channelConfig: wire(config), voucher: await kit.voucher(config, amount) })
const idOf = (config: ChannelConfig): Hex => channelIdOf(config, kit.chainId)

/** The seller's record and the chain: what a refusal must leave as it was. */
async function books(config: ChannelConfig, records: Pick<Store, 'get'> = inner) {
  return {
    record: await readChannelRecord(records, idOf(config)),
    channel: await kit.stateOf(idOf(config)),
    payer: await kit.balanceOf(cast.payer.address),
    escrow: await kit.balanceOf(BATCH_SETTLEMENT_ADDRESS),
  }
}

async function paid(serve: typeof app, request: Request | Promise<Request>, charged: string) {
  const response = await serve(await request)
  expect(response.status).toBe(200)
  expect(readReceipt(response)?.extra).toMatchObject({ channelState: { chargedCumulativeAmount: charged } })
}

/** A channel the seller served: a deposit of 50 000 and vouchers up to `charged`. */
async function servedChannel(serve: typeof app, charged: bigint): Promise<ChannelConfig> {
  const config = kit.newChannel()
  await paid(serve, requestOf(await kit.erc3009Deposit(config, 50_000n, 1_000n)), '1000')
  for (let amount = 2_000n; amount <= charged; amount += 1_000n) await paid(serve, voucherOf(config, amount), amount.toString())
  return config
}

/** A channel funded on chain that this seller has never seen (opened through the facilitator directly). */
async function unknownChannel(): Promise<ChannelConfig> {
  const config = kit.newChannel()
  expect(await local.settle(kit.requestFor(await kit.erc3009Deposit(config, 50_000n, 1_000n)), new AbortController().signal)).toMatchObject({ success: true })
  return config
}

/** `request` gets `status` with `code` (the 402's error, else the body's code), the handler does not run, and nothing moves. */
async function refusedWithNothingMoved(serve: typeof app, config: ChannelConfig, request: Request | Promise<Request>, status: number, code: string, records: Pick<Store, 'get'> = inner) {
  const before = await books(config, records)
  const runs = handler.mock.calls.length
  const response = await serve(await request)
  expect(response.status).toBe(status)
  if (status === 402) expect((await readPaymentRequired(response)).v2?.error).toBe(code)
  else expect(await response.json()).toMatchObject({ error: code })
  expect(handler.mock.calls.length).toBe(runs)
  expect(await books(config, records)).toEqual(before)
}

describe('channel_state_read_failed: the seller cannot read a channel', () => {
  it('the Store fails as the channel is reserved: 503 store_unavailable, nothing run or charged; the same voucher is taken once it is back', async () => {
    const config = await servedChannel(app, 2_000n)
    down.add('get')
    try {
      await refusedWithNothingMoved(app, config, voucherOf(config, 3_000n), 503, 'store_unavailable')
    } finally {
      down.clear()
    }
    await paid(app, voucherOf(config, 3_000n), '3000') // the channel was freed, its count as it was
  })

  it('the Store fails as the charge is committed: 503, the handler ran but its answer is withheld, nothing charged; the same voucher is taken next', async () => {
    const config = await servedChannel(app, 2_000n)
    const before = await books(config)
    const runs = handler.mock.calls.length
    down.add('set').add('setIfHeld')
    let response: Response
    try {
      response = await app(await voucherOf(config, 3_000n))
    } finally {
      down.clear()
    }
    expect(response.status).toBe(503)
    expect(await response.text()).not.toContain('delivered')
    expect(handler.mock.calls.length).toBe(runs + 1)
    expect(await books(config)).toEqual(before)
    await paid(app, voucherOf(config, 3_000n), '3000')
  })

  it("a facilitator's verify that reports no channel state, for a channel the seller does not know: 402 channel_state_read_failed, no record made", async () => {
    const config = await unknownChannel()
    noSnapshot = true
    try {
      await refusedWithNothingMoved(app, config, voucherOf(config, 1_000n), 402, reason('channel_state_read_failed'))
    } finally {
      noSnapshot = false
    }
    expect(await readChannelRecord(inner, idOf(config))).toBeUndefined()
    await paid(app, voucherOf(config, 1_000n), '1000') // counted from the chain's totalClaimed once it is read
  })

  it("the chain's RPC is down when the channel must be read there: 502 facilitator_error, nothing run or charged; a channel checked locally is still served", async () => {
    const known = await servedChannel(rpcApp, 1_000n)
    const unknown = await unknownChannel()
    rpcDown = true
    try {
      await refusedWithNothingMoved(rpcApp, unknown, voucherOf(unknown, 1_000n), 502, 'facilitator_error', rpcStore)
      expect(await readChannelRecord(rpcStore, idOf(unknown))).toBeUndefined()
      // Fresh state and an EOA voucher signer: one signature recovery, no chain read.
      await paid(rpcApp, voucherOf(known, 2_000n), '2000')
    } finally {
      rpcDown = false
    }
    await paid(rpcApp, voucherOf(unknown, 1_000n), '1000')
  }, 60_000)
})

describe('cumulative_below_claimed, checked by the seller alone', () => {
  it('a voucher that follows a restored count but is below what the chain has claimed: 402, no facilitator call, nothing charged', async () => {
    // The seller charged 5 000 and claimed it all; its Store was then restored from a backup taken at 2 000, and
    // the claim's write-back (the claim service's) landed on that record: its count is below what is claimed.
    const config = await servedChannel(app, 2_000n)
    const backup = (await readChannelRecord(inner, idOf(config)))!
    for (const amount of [3_000n, 4_000n, 5_000n]) await paid(app, voucherOf(config, amount), amount.toString())
    expect(await local.settle(kit.requestFor({ type: 'claim', claims: [await kit.claimOf(config, 5_000n)] }), new AbortController().signal)).toMatchObject({ success: true })
    await inner.set(channelKey(idOf(config)), { ...backup, onchainSyncedAt: Date.now() } satisfies ChannelRecord, 60_000)
    const claims = storeClaimSource({ store: inner, index: channelIndexOf(inner)!, network: kit.network, receiver: cast.receiver, token: kit.token })
    await claims.claimed([{ channelId: idOf(config), totalClaimed: 5_000n }])
    expect(await readChannelRecord(inner, idOf(config))).toMatchObject({ chargedCumulativeAmount: '2000', totalClaimed: '5000' })
    expect(await kit.stateOf(idOf(config))).toMatchObject({ totalClaimed: 5_000n })

    const verifies = vi.mocked(facilitator.verify).mock.calls.length
    await refusedWithNothingMoved(app, config, voucherOf(config, 3_000n), 402, reason('cumulative_below_claimed'))
    expect(vi.mocked(facilitator.verify).mock.calls.length).toBe(verifies) // decided by the seller's own record
  })
})

describe('seller-side refusals of malformed or unknown payloads', () => {
  it('a deposit of 0: deposit_payload; a refund without its voucher: refund_payload; nothing reserved or called', async () => {
    const config = kit.newChannel()
    const deposit = await kit.erc3009Deposit(config, 10_000n, 1_000n)
    await refusedWithNothingMoved(app, config, requestOf({ ...deposit, deposit: { ...deposit.deposit, amount: '0' } }), 402, reason('deposit_payload'))
    await refusedWithNothingMoved(app, config, requestOf({ type: 'refund', channelConfig: wire(config) }), 402, reason('refund_payload'))
  })

  it('a refund of a funded channel this seller holds nothing for: missing_channel, nothing refunded', async () => {
    const config = await unknownChannel()
    await refusedWithNothingMoved(app, config, requestOf({ type: 'refund', channelConfig: wire(config), voucher: await kit.voucher(config, 0n) }), 402, reason('missing_channel'))
  })
})
