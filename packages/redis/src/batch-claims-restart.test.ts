// Restart safety of batch-settlement claims on Redis (anvil, localFacilitator): a seller charges vouchers on two
// channels and its process ends without claiming; a new paywall on the same Redis claims them all at close(), in
// one claim transaction and one settle. Nothing claimable is lost: balances and channels read on chain.
import { createPaywall, encodePaymentSignature, type PaymentRequirements, type PaywallEvent } from '@tollgate/x402'
import { startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from '@tollgate/x402/anvil'
import { batchSettlement, localFacilitator, readChannel } from '@tollgate/x402/evm'
import { readPaymentRequired } from '@tollgate/x402/testing'
import { bytesToHex, encodeAbiParameters, getAddress, hashTypedData, keccak256, type Address, type Hex } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { redisStore } from './index.js'
import { connect, startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

let redis: RedisServer
let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address

setupOnce(async () => {
  redis = await startRedisServer()
  ;({ anvil, owner, buyer, payTo, token } = await startUsdcChain({ fund: 1_000_000n }))
})

afterAll(async () => {
  await anvil?.stop()
  await redis?.stop()
})

const salt = () => bytesToHex(crypto.getRandomValues(new Uint8Array(32)))

// The spec's facts (x402 batch-settlement on EVM): the contract's EIP-712 domain, the channel id, the voucher and
// the ERC-3009 deposit to the collector, its nonce bound to the channel.
const BATCH_SETTLEMENT = '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003'
const ERC3009_COLLECTOR = '0x4020806089470a89826cB9fB1f4059150b550004'
interface ChannelConfig {
  payer: Address
  payerAuthorizer: Address
  receiver: Address
  receiverAuthorizer: Address
  token: Address
  withdrawDelay: number
  salt: Hex
}
const domain = () => ({ name: 'x402 Batch Settlement', version: '1', chainId: anvil.chainId, verifyingContract: BATCH_SETTLEMENT }) as const
const channelIdOf = (config: ChannelConfig) =>
  hashTypedData({
    domain: domain(),
    types: {
      ChannelConfig: [
        { name: 'payer', type: 'address' },
        { name: 'payerAuthorizer', type: 'address' },
        { name: 'receiver', type: 'address' },
        { name: 'receiverAuthorizer', type: 'address' },
        { name: 'token', type: 'address' },
        { name: 'withdrawDelay', type: 'uint40' },
        { name: 'salt', type: 'bytes32' },
      ],
    },
    primaryType: 'ChannelConfig',
    message: config,
  })
const signVoucher = (channelId: Hex, maxClaimableAmount: bigint) =>
  buyer.signTypedData({ domain: domain(), types: { Voucher: [{ name: 'channelId', type: 'bytes32' }, { name: 'maxClaimableAmount', type: 'uint128' }] }, primaryType: 'Voucher', message: { channelId, maxClaimableAmount } })
const signDeposit = (channelId: Hex, value: bigint, validBefore: bigint, depositSalt: bigint) =>
  buyer.signTypedData({
    domain: { name: 'USDC', version: '2', chainId: anvil.chainId, verifyingContract: token },
    types: {
      ReceiveWithAuthorization: [
        { name: 'from', type: 'address' },
        { name: 'to', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'validAfter', type: 'uint256' },
        { name: 'validBefore', type: 'uint256' },
        { name: 'nonce', type: 'bytes32' },
      ],
    },
    primaryType: 'ReceiveWithAuthorization',
    message: { from: buyer.address, to: ERC3009_COLLECTOR, value, validAfter: 0n, validBefore, nonce: keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [channelId, depositSalt])) },
  })

/** A seller process: its own Redis connection, a paywall claiming only when closed. */
async function sellerProcess(events: PaywallEvent[] = []) {
  const client = await connect(redis)
  const network = `eip155:${anvil.chainId}`
  const facilitator = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, receiverAuthorizer: anvil.privateKeys[3]!, pollingIntervalMs: 50 })
  const option = batchSettlement({ amount: '1000', network, payTo, asset: { address: token, name: 'USDC', version: '2' }, claims: { periodicMs: 0, onWithdrawal: false } })
  const paywall = createPaywall({ routes: { 'GET /data': option }, facilitator, store: redisStore({ client }), idempotency: false, onEvent: (event) => events.push(event) })
  const app = paywall.protect(() => Response.json({ ok: true }))
  let offer: PaymentRequirements | undefined
  async function pay(config: ChannelConfig, cumulative: bigint): Promise<number> {
    offer ??= (await readPaymentRequired(await app(new Request('https://shop.test/data')))).v2!.accepts[0]!
    const channelId = channelIdOf(config)
    const voucher = { channelId, maxClaimableAmount: cumulative.toString(), signature: await signVoucher(channelId, cumulative) }
    const payload: Record<string, unknown> = { type: cumulative === 1000n ? 'deposit' : 'voucher', channelConfig: config, voucher }
    if (cumulative === 1000n) {
      const validBefore = BigInt(Math.floor(Date.now() / 1000) + 3600)
      const depositSalt = BigInt(salt())
      const signature = await signDeposit(channelId, 20_000n, validBefore, depositSalt)
      payload.deposit = { amount: '20000', authorization: { erc3009Authorization: { validAfter: '0', validBefore: validBefore.toString(), salt: `0x${depositSalt.toString(16)}`, signature } } }
    }
    const response = await app(new Request('https://shop.test/data', { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignature({ x402Version: 2, accepted: offer, payload }) } }))
    await response.arrayBuffer()
    return response.status
  }
  return { paywall, pay, end: () => client.destroy() }
}

describe('batch-settlement claims after a restart, on one Redis', () => {
  it('a new paywall claims and settles what an ended process charged and never claimed', async () => {
    const channel = (): ChannelConfig => ({ payer: buyer.address, payerAuthorizer: buyer.address, receiver: getAddress(payTo), receiverAuthorizer: getAddress(anvil.accounts[3]!.address), token: getAddress(token), withdrawDelay: 900, salt: salt() })
    const configs = [channel(), channel()]
    const first = await sellerProcess()
    for (const [i, config] of configs.entries()) {
      for (let n = 1n; n <= BigInt(5 + i); n++) expect(await first.pay(config, n * 1000n)).toBe(200)
    }
    // The process ends without claiming: its connection is gone, nothing was sent to the chain.
    first.end()
    const ids = configs.map((config) => channelIdOf(config))
    for (const id of ids) expect((await readChannel(owner, id)).totalClaimed).toBe(0n)
    const receiverBefore = await usdcBalance(owner, token, payTo)

    const events: PaywallEvent[] = []
    const second = await sellerProcess(events)
    await second.paywall.close()
    const told = events.filter((event) => event.type.startsWith('batch.'))
    expect(told.map((event) => event.type)).toEqual(['batch.claimed', 'batch.settled'])
    expect(told[0]!.channels).toEqual(expect.arrayContaining([{ channelId: ids[0], amount: '5000', totalClaimed: '5000' }, { channelId: ids[1], amount: '6000', totalClaimed: '6000' }]))
    expect(told[1]).toMatchObject({ amount: '11000' })
    expect((await readChannel(owner, ids[0]!)).totalClaimed).toBe(5_000n)
    expect((await readChannel(owner, ids[1]!)).totalClaimed).toBe(6_000n)
    expect(await usdcBalance(owner, token, payTo)).toBe(receiverBefore + 11_000n)
    const inspect = await connect(redis)
    expect(await inspect.sMembers(`tollgate:tg:bs:unclaimed:eip155:${anvil.chainId}:${payTo}:${token}`.toLowerCase())).toEqual([])
    inspect.destroy()
    second.end()
  }, 120_000)
})
