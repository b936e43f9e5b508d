// The seller's side of batch-settlement through the engine, with a scripted facilitator and real signatures: what
// a buyer sees per request (receipts, corrective 402, channel_busy, refund) and what the facilitator is asked.
import { getAddress, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it, vi } from 'vitest'
import { encodePaymentSignature } from '../../codec/headers.js'
import type { PaymentRequirements } from '../../codec/types.js'
import { createPaywall } from '../../engine/paywall.js'
import type { NextHandler, PaywallOptions } from '../../engine/types.js'
import { channelIdOf, voucherTypedData, type ChannelConfig } from '../../evm/batch-settlement/index.js'
import type { Facilitator, SettleRequest } from '../../facilitator/types.js'
import { memoryStore } from '../../store/memory.js'
import { readPaymentRequired, readReceipt } from '../../testing/requests.js'
import { readChannelRecord } from './channel-record.js'
import { batchSettlement } from './options.js'

const CHAIN_ID = 84532
const NETWORK = `eip155:${CHAIN_ID}`
const KEY = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const payer = privateKeyToAccount(KEY(1))
const voucherSigner = privateKeyToAccount(KEY(2))
const stranger = privateKeyToAccount(KEY(3))
const receiverAuthorizer = privateKeyToAccount(KEY(4))
const payTo = getAddress('0x' + '22'.repeat(20))
const token = getAddress('0x' + '33'.repeat(20))

function channel(overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  return { payer: payer.address, payerAuthorizer: voucherSigner.address, receiver: payTo, receiverAuthorizer: receiverAuthorizer.address, token, withdrawDelay: 900, salt: KEY(9), ...overrides }
}

function scripted(balance = 100_000n) {
  const state = { balance, totalClaimed: 0n, refundNonce: 0n, withdrawRequestedAt: 0 }
  const snapshot = () => ({ balance: String(state.balance), totalClaimed: String(state.totalClaimed), withdrawRequestedAt: state.withdrawRequestedAt, refundNonce: String(state.refundNonce) })
  const facilitator: Facilitator = {
    name: 'scripted',
    verify: vi.fn(async () => ({ isValid: true, payer: payer.address, extra: snapshot() })),
    settle: vi.fn(async (request: SettleRequest) => {
      const body = (request.proof.payload as unknown as { payload: { type: string; amount?: string } }).payload
      if (body.type === 'refund') {
        state.balance -= BigInt(body.amount!)
        state.refundNonce += 1n
        return { success: true, transaction: '0xrefund', network: NETWORK, payer: payer.address, amount: body.amount, extra: { channelState: snapshot() } }
      }
      return { success: true, transaction: '0xdeposit', network: NETWORK, payer: payer.address, amount: '0', extra: { channelState: snapshot() } }
    }),
  }
  return { facilitator, state }
}

function setup(handler: NextHandler, options: { price?: string; maxPrice?: string; balance?: bigint; paywall?: Partial<PaywallOptions> } = {}) {
  const { facilitator, state } = scripted(options.balance)
  const store = memoryStore()
  const option = batchSettlement({
    ...(options.maxPrice ? { maxPrice: options.maxPrice } : { price: options.price ?? '0.001' }),
    network: NETWORK,
    payTo,
    asset: { address: token, name: 'USDC', version: '2' },
    receiverAuthorizer: receiverAuthorizer.address,
  })
  const next = vi.fn(handler)
  const paywall = createPaywall({ routes: { 'GET /data': option }, facilitator, store, idempotency: false, ...options.paywall })
  return { app: paywall.protect(next), facilitator, next, state, store, requirements: option.requirements, paywall }
}

async function pay(requirements: PaymentRequirements, type: 'deposit' | 'voucher' | 'refund', cumulative: bigint, config = channel(), signer = voucherSigner, extra: Record<string, unknown> = {}) {
  const channelId = channelIdOf(config, CHAIN_ID)
  const signature = await signer.signTypedData(voucherTypedData({ channelId, maxClaimableAmount: cumulative }, CHAIN_ID))
  const payload: Record<string, unknown> = { type, channelConfig: config, voucher: { channelId, maxClaimableAmount: cumulative.toString(), signature }, ...extra }
  if (type === 'deposit') payload.deposit = { amount: '100000', authorization: { erc3009Authorization: { validAfter: '0', validBefore: '9999999999', salt: KEY(7), signature: '0x' + '11'.repeat(65) } } }
  return new Request('https://shop.example/data', { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignature({ x402Version: 2, accepted: requirements, payload }) } })
}

const ok: NextHandler = () => Response.json({ ok: true })

describe('batchSettlement() on a paywall', () => {
  it('takes a deposit through the facilitator, then vouchers with no facilitator call, each receipt counting the charge', async () => {
    const { app, facilitator, requirements } = setup(ok)
    const first = await app(await pay(requirements, 'deposit', 1000n))
    expect(first.status).toBe(200)
    expect(readReceipt(first)).toMatchObject({ success: true, transaction: '0xdeposit', extra: { chargedAmount: '1000', channelState: { chargedCumulativeAmount: '1000', balance: '100000' } } })
    for (let n = 2n; n <= 6n; n++) {
      const response = await app(await pay(requirements, 'voucher', n * 1000n))
      expect(response.status).toBe(200)
      expect(readReceipt(response)).toMatchObject({ success: true, transaction: '', amount: '', extra: { chargedAmount: '1000', channelState: { chargedCumulativeAmount: String(n * 1000n) } } })
    }
    expect(facilitator.verify).toHaveBeenCalledTimes(1)
    expect(facilitator.settle).toHaveBeenCalledTimes(1)
  })

  it('answers a stale voucher with the corrective 402: the channel as the seller counts it and the last signed voucher', async () => {
    const { app, requirements } = setup(ok)
    await app(await pay(requirements, 'deposit', 1000n))
    const second = await pay(requirements, 'voucher', 2000n)
    const lastSignature = ((JSON.parse(atob(second.headers.get('PAYMENT-SIGNATURE')!)) as { payload: { voucher: { signature: string } } }).payload.voucher.signature)
    expect((await app(second)).status).toBe(200)
    const stale = await app(await pay(requirements, 'voucher', 1000n))
    expect(stale.status).toBe(402)
    const { v2 } = await readPaymentRequired(stale)
    expect(v2?.error).toBe('invalid_batch_settlement_evm_cumulative_amount_mismatch')
    expect(v2?.accepts[0]?.extra).toMatchObject({ channelState: { chargedCumulativeAmount: '2000', balance: '100000' }, voucherState: { signedMaxClaimable: '2000', signature: lastSignature } })
  })

  it('commits nothing when the handler throws or answers non-2xx: the same voucher is taken next time', async () => {
    let mode: 'throw' | '500' | 'ok' = 'throw'
    const { app, requirements, store } = setup(() => {
      if (mode === 'throw') throw new Error('boom')
      return mode === '500' ? new Response('no', { status: 500 }) : Response.json({ ok: true })
    })
    mode = 'ok'
    await app(await pay(requirements, 'deposit', 1000n))
    mode = 'throw'
    expect((await app(await pay(requirements, 'voucher', 2000n))).status).toBe(500)
    mode = '500'
    expect((await app(await pay(requirements, 'voucher', 2000n))).status).toBe(500)
    mode = 'ok'
    const response = await app(await pay(requirements, 'voucher', 2000n))
    expect(readReceipt(response)?.extra).toMatchObject({ channelState: { chargedCumulativeAmount: '2000' } })
    expect(await readChannelRecord(store, channelIdOf(channel(), CHAIN_ID))).toMatchObject({ chargedCumulativeAmount: '2000', signedMaxClaimable: '2000' })
  })

  it('charges at most the request amount with ctx.charge, and the next voucher follows what was charged', async () => {
    const { app, requirements } = setup((_request, ctx) => {
      ctx.charge(400)
      return Response.json({ ok: true })
    })
    await app(await pay(requirements, 'deposit', 1000n))
    const response = await app(await pay(requirements, 'voucher', 1400n))
    expect(readReceipt(response)?.extra).toMatchObject({ chargedAmount: '400', channelState: { chargedCumulativeAmount: '800' } })
  })

  it('with maxPrice charges nothing until the handler says what the request cost', async () => {
    const { app, requirements } = setup(() => Response.json({ ok: true }), { maxPrice: '0.01' })
    expect(requirements.amount).toBe('10000')
    await app(await pay(requirements, 'deposit', 10_000n))
    const response = await app(await pay(requirements, 'voucher', 10_000n))
    expect(readReceipt(response)?.extra).toMatchObject({ chargedAmount: '0' })
  })

  it('serves one request per channel at a time: a second one meanwhile gets channel_busy', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const { app, requirements } = setup(async () => {
      await held
      return Response.json({ ok: true })
    })
    const first = app(await pay(requirements, 'deposit', 1000n))
    await vi.waitFor(() => expect(release).toBeDefined())
    await new Promise((resolve) => setTimeout(resolve, 20))
    const busy = await app(await pay(requirements, 'deposit', 1000n))
    expect(busy.status).toBe(402)
    expect((await readPaymentRequired(busy)).v2?.error).toBe('invalid_batch_settlement_evm_channel_busy')
    release()
    expect((await first).status).toBe(200)
  })

  it('refuses a forged voucher, and one for another receiver, without asking the facilitator', async () => {
    const { app, facilitator, requirements, next } = setup(ok)
    await app(await pay(requirements, 'deposit', 1000n))
    const forged = await app(await pay(requirements, 'voucher', 2000n, channel(), stranger))
    expect((await readPaymentRequired(forged)).v2?.error).toBe('invalid_batch_settlement_evm_voucher_signature')
    const elsewhere = await app(await pay(requirements, 'voucher', 2000n, channel({ receiver: stranger.address })))
    expect((await readPaymentRequired(elsewhere)).v2?.error).toBe('invalid_batch_settlement_evm_receiver_mismatch')
    const overdrawn = await app(await pay(requirements, 'voucher', 200_000n))
    expect((await readPaymentRequired(overdrawn)).v2?.error).toBe('invalid_batch_settlement_evm_cumulative_amount_mismatch')
    expect(facilitator.verify).toHaveBeenCalledTimes(1)
    expect(next).toHaveBeenCalledTimes(1)
  })

  it('refuses another token, a config that does not hash to the channel id, and a replayed voucher', async () => {
    const { app, requirements, next } = setup(ok)
    await app(await pay(requirements, 'deposit', 1000n))
    const otherToken = await app(await pay(requirements, 'voucher', 2000n, channel({ token: payTo })))
    expect((await readPaymentRequired(otherToken)).v2?.error).toBe('invalid_batch_settlement_evm_token_mismatch')
    const request = await pay(requirements, 'voucher', 2000n)
    const sent = JSON.parse(atob(request.headers.get('PAYMENT-SIGNATURE')!)) as { payload: { channelConfig: { salt: string } } }
    sent.payload.channelConfig.salt = KEY(10)
    const rehashed = await app(new Request(request.url, { headers: { 'PAYMENT-SIGNATURE': btoa(JSON.stringify(sent)) } }))
    expect((await readPaymentRequired(rehashed)).v2?.error).toBe('invalid_batch_settlement_evm_channel_id_mismatch')
    expect((await app(await pay(requirements, 'voucher', 2000n))).status).toBe(200)
    const replayed = await app(await pay(requirements, 'voucher', 2000n))
    expect((await readPaymentRequired(replayed)).v2?.error).toBe('invalid_batch_settlement_evm_cumulative_amount_mismatch')
    expect(next).toHaveBeenCalledTimes(2)
  })

  it('checks no voucher locally while a withdrawal is pending: the facilitator reads the chain for each', async () => {
    const { app, facilitator, requirements, state } = setup(ok)
    state.withdrawRequestedAt = 1_700_000_000
    await app(await pay(requirements, 'deposit', 1000n))
    expect((await app(await pay(requirements, 'voucher', 2000n))).status).toBe(200)
    expect(facilitator.verify).toHaveBeenCalledTimes(2)
    state.withdrawRequestedAt = 0 // the buyer's withdrawal is gone (refunded, or finalized): seen at the next read
    expect((await app(await pay(requirements, 'voucher', 3000n))).status).toBe(200)
    expect((await app(await pay(requirements, 'voucher', 4000n))).status).toBe(200)
    expect(facilitator.verify).toHaveBeenCalledTimes(3)
  })

  it('answers a refund without running the handler, sending the facilitator the completed refund', async () => {
    const { app, facilitator, requirements, next } = setup(ok)
    await app(await pay(requirements, 'deposit', 1000n))
    await app(await pay(requirements, 'voucher', 2000n))
    const response = await app(await pay(requirements, 'refund', 2000n))
    expect(response.status).toBe(200)
    expect(response.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await response.json()).toMatchObject({ message: 'Refund acknowledged' })
    expect(readReceipt(response)).toMatchObject({ success: true, transaction: '0xrefund', amount: '98000', extra: { channelState: { balance: '2000', refundNonce: '1', chargedCumulativeAmount: '2000' } } })
    expect(next).toHaveBeenCalledTimes(2)
    const sent = (vi.mocked(facilitator.settle).mock.calls[1]![0].proof.payload as { payload: Record<string, unknown> }).payload
    expect(sent).toMatchObject({ type: 'refund', amount: '98000', refundNonce: '0', claims: [{ voucher: { maxClaimableAmount: '2000' }, totalClaimed: '2000' }] })
    expect(sent.refundAuthorizerSignature).toBeUndefined()
  })

  it('signs the refund and its claim when the seller holds the receiver authorizer key', async () => {
    const { facilitator } = scripted()
    const option = batchSettlement({ price: '0.001', network: NETWORK, payTo, asset: { address: token, name: 'USDC', version: '2' }, receiverAuthorizer: receiverAuthorizer })
    const app = createPaywall({ routes: { 'GET /data': option }, facilitator, idempotency: false }).protect(ok)
    await app(await pay(option.requirements, 'deposit', 1000n))
    expect((await app(await pay(option.requirements, 'refund', 1000n, channel(), voucherSigner, { amount: '500' }))).status).toBe(200)
    const sent = (vi.mocked(facilitator.settle).mock.calls[1]![0].proof.payload as { payload: Record<string, unknown> }).payload
    expect(sent).toMatchObject({ amount: '500', refundNonce: '0' })
    expect(sent.refundAuthorizerSignature).toMatch(/^0x[0-9a-f]{130}$/)
    expect(sent.claimAuthorizerSignature).toMatch(/^0x[0-9a-f]{130}$/)
  })

  it('answers 504 when the facilitator hangs on a deposit, and the channel is free again', async () => {
    const { app, facilitator, requirements } = setup(ok, { paywall: { verifyTimeoutMs: 100 } })
    vi.mocked(facilitator.verify).mockImplementationOnce(() => new Promise(() => {}))
    expect((await app(await pay(requirements, 'deposit', 1000n))).status).toBe(504)
    expect((await app(await pay(requirements, 'deposit', 1000n))).status).toBe(200)
  })

  it('answers 502 facilitator_bad_response when the facilitator answers a deposit\'s verify with garbage, and the channel is free again', async () => {
    const { app, facilitator, requirements } = setup(ok)
    vi.mocked(facilitator.verify).mockResolvedValueOnce({ valid: 'yes' } as never)
    const refused = await app(await pay(requirements, 'deposit', 1000n))
    expect(refused.status).toBe(502)
    expect((await refused.json()).error).toBe('facilitator_bad_response')
    expect((await app(await pay(requirements, 'deposit', 1000n))).status).toBe(200)
  })
})
