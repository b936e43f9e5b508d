// batchPayer against a scripted seller and a stubbed chain: what it signs (deposit within the cap, cumulative
// vouchers from the receipts' charges), what it refuses from a seller (a corrective 402 with a voucher not ours or
// a charge beyond it, a deposit over the cap) with nothing signed, and its refund payload.
import { encodeBase64Json, decodeBase64Json } from '../codec/base64.js'
import { PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE } from '../codec/headers.js'
import type { PaymentRequirements } from '../codec/types.js'
import { channelIdOf, PERMIT2_DEPOSIT_COLLECTOR_ADDRESS, verifyVoucherSignature, type BatchPayloadWire } from '../evm/batch-settlement/index.js'
import { isTollgateError } from '../errors.js'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { batchPayer } from './batch-payer.js'
import { wrapFetch } from './wrap-fetch.js'

const buyer = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const stranger = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const CHAIN_ID = 84532
const offer = (extra: Record<string, unknown> = {}): PaymentRequirements => ({
  scheme: 'batch-settlement',
  network: `eip155:${CHAIN_ID}`,
  amount: '1000',
  asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
  payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  maxTimeoutSeconds: 300,
  extra: { receiverAuthorizer: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', withdrawDelay: 900, name: 'USDC', version: '2', ...extra },
})
const channelId = channelIdOf(
  { payer: buyer.address, payerAuthorizer: buyer.address, receiver: offer().payTo as `0x${string}`, receiverAuthorizer: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', token: offer().asset as `0x${string}`, withdrawDelay: 900, salt: `0x${'0'.repeat(64)}` },
  CHAIN_ID,
)

/** A chain with the channel at `balance` / `totalClaimed` (zero: no channel yet). */
function chain(balance = 0n, totalClaimed = 0n) {
  return {
    readContract: (async ({ functionName }: { functionName: string }) =>
      functionName === 'channels' ? [balance, totalClaimed] : functionName === 'pendingWithdrawals' ? [0n, 0] : 0n) as never,
  }
}

/** Counts what the account signs. */
function counting(account = buyer) {
  const counter = { signatures: 0 }
  const signer = { address: account.address, signTypedData: (async (data: never) => ((counter.signatures += 1), account.signTypedData(data))) as typeof account.signTypedData }
  return { signer, counter }
}

type Answer = (payload: BatchPayloadWire) => Response | Promise<Response>
const paid = (chargedAmount: string, extra: Record<string, unknown> = {}) =>
  new Response('ok', { headers: { [PAYMENT_RESPONSE]: encodeBase64Json({ success: true, transaction: '', network: `eip155:${CHAIN_ID}`, extra: { chargedAmount, ...extra } }) } })
const required = (accepts: PaymentRequirements[], error = 'Payment required') =>
  new Response('{}', { status: 402, headers: { [PAYMENT_REQUIRED]: encodeBase64Json({ x402Version: 2, error, resource: { url: 'https://api.test/weather' }, accepts }) } })

/** A seller that asks for `requirements` and answers each payload with the next scripted answer (default: charged in full). */
function seller(requirements: PaymentRequirements, answers: Answer[] = []) {
  const payloads: BatchPayloadWire[] = []
  const send = async (request: Request) => {
    const proof = request.headers.get(PAYMENT_SIGNATURE)
    if (proof === null) return required([requirements])
    const payload = (decodeBase64Json(proof) as { payload: BatchPayloadWire }).payload
    payloads.push(payload)
    return (answers.shift() ?? (() => paid('1000')))(payload)
  }
  return { send, payloads }
}

const corrective = (signedMaxClaimable: string, chargedCumulativeAmount: string, signature: string) =>
  required([offer({ channelState: { channelId, balance: '100000', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: '0', chargedCumulativeAmount }, voucherState: { signedMaxClaimable, signature } })], 'invalid_batch_settlement_evm_cumulative_amount_mismatch')

describe('batchPayer', () => {
  it('is validated at construction', () => {
    expect(() => batchPayer({ account: buyer })).toThrow(expect.objectContaining({ code: 'invalid_options', details: expect.objectContaining({ path: 'batchPayer.rpcUrl' }) }))
    expect(() => batchPayer({ account: buyer, client: chain(), salt: '0x12' as never })).toThrow(expect.objectContaining({ code: 'invalid_options', details: expect.objectContaining({ path: 'batchPayer.salt' }) }))
    expect(() => batchPayer({ account: buyer, client: chain(), deposit: '-5' })).toThrow(expect.objectContaining({ code: 'invalid_options' }))
    expect(() => batchPayer({ account: {} as never, client: chain() })).toThrow(expect.objectContaining({ code: 'invalid_options' }))
  })

  it('deposits the seller\'s minDeposit with the first voucher, then signs cumulative vouchers from the charges', async () => {
    const { send, payloads } = seller(offer({ minDeposit: '10000' }), [() => paid('1000'), () => paid('400')])
    const payer = batchPayer({ account: buyer, client: chain() })
    const paidFetch = wrapFetch(send, { payers: [payer] })
    for (let i = 0; i < 3; i += 1) expect((await paidFetch('https://api.test/weather')).status).toBe(200)
    expect(payloads.map((p) => p.type)).toEqual(['deposit', 'voucher', 'voucher'])
    const deposit = payloads[0] as Extract<BatchPayloadWire, { type: 'deposit' }>
    expect(deposit.deposit.amount).toBe('10000')
    expect(deposit.deposit.authorization.erc3009Authorization).toBeDefined()
    // 1000 charged, then 400 of the 1000 allowed: each voucher is what was charged so far plus one price.
    expect(payloads.map((p) => p.voucher.maxClaimableAmount)).toEqual(['1000', '2000', '2400'])
    for (const { voucher } of payloads) {
      expect(await verifyVoucherSignature({ channelId, maxClaimableAmount: BigInt(voucher.maxClaimableAmount), signature: voucher.signature, signer: buyer.address, chainId: CHAIN_ID })).toBe(true)
    }
    expect(await payer.channels()).toMatchObject([{ channelId, charged: '2400', signed: '2400', balance: '10000' }])
  })

  it('believes no receipt that charges more than the price or disagrees with its own total', async () => {
    const { send, payloads } = seller(offer(), [() => paid('5000'), () => paid('1000', { channelState: { chargedCumulativeAmount: '9000' } })])
    const paidFetch = wrapFetch(send, { payers: [batchPayer({ account: buyer, client: chain(50_000n) })] })
    for (let i = 0; i < 3; i += 1) await paidFetch('https://api.test/weather')
    expect(payloads.map((p) => p.voucher.maxClaimableAmount)).toEqual(['1000', '1000', '1000'])
  })

  it('refuses a deposit above the spend cap, signing nothing', async () => {
    const { signer, counter } = counting()
    const { send, payloads } = seller(offer({ minDeposit: '500000' }))
    const error = await wrapFetch(send, { payers: [batchPayer({ account: signer, client: chain() })], maxAmount: '$0.10' })('https://api.test/weather').catch((e: unknown) => e)
    expect(isTollgateError(error) && error.code).toBe('over_spend_cap')
    expect((error as Error).message).toMatch(/deposit of 500000 .*minDeposit.*above the spend cap of 100000/)
    expect(counter.signatures).toBe(0)
    expect(payloads).toEqual([])
  })

  it('keeps its default deposit (100 requests) within the cap', async () => {
    const { send, payloads } = seller(offer())
    await wrapFetch(send, { payers: [batchPayer({ account: buyer, client: chain() })], maxAmount: 30_000n })('https://api.test/weather')
    expect((payloads[0] as Extract<BatchPayloadWire, { type: 'deposit' }>).deposit.amount).toBe('30000')
  })

  it('refuses a corrective 402 whose voucher is not one it signed, signing nothing more', async () => {
    const { signer, counter } = counting()
    const forged = await stranger.signTypedData({ domain: { name: 'x402 Batch Settlement', version: '1', chainId: CHAIN_ID, verifyingContract: '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003' }, types: { Voucher: [{ name: 'channelId', type: 'bytes32' }, { name: 'maxClaimableAmount', type: 'uint128' }] }, primaryType: 'Voucher', message: { channelId, maxClaimableAmount: 9000n } })
    const { send, payloads } = seller(offer(), [() => corrective('9000', '9000', forged)])
    const error = await wrapFetch(send, { payers: [batchPayer({ account: signer, client: chain(50_000n) })] })('https://api.test/weather').catch((e: unknown) => e)
    expect(isTollgateError(error) && error.code).toBe('channel_correction_refused')
    expect((error as Error).message).toMatch(/voucher for 9000 is not one we signed/)
    expect(counter.signatures).toBe(1)
    expect(payloads).toHaveLength(1)
  })

  it('refuses a corrective 402 that charges more than the voucher it shows (or claims a higher amount for our signature)', async () => {
    const ours = (await buyer.signTypedData({ domain: { name: 'x402 Batch Settlement', version: '1', chainId: CHAIN_ID, verifyingContract: '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003' }, types: { Voucher: [{ name: 'channelId', type: 'bytes32' }, { name: 'maxClaimableAmount', type: 'uint128' }] }, primaryType: 'Voucher', message: { channelId, maxClaimableAmount: 3000n } }))
    for (const [signed, charged, why] of [['3000', '7000', /charged 7000, more than the 3000/], ['7000', '7000', /voucher for 7000 is not one we signed/]] as const) {
      const { signer, counter } = counting()
      const { send } = seller(offer(), [() => corrective(signed, charged, ours)])
      const error = await wrapFetch(send, { payers: [batchPayer({ account: signer, client: chain(50_000n) })] })('https://api.test/weather').catch((e: unknown) => e)
      expect(isTollgateError(error) && error.code).toBe('channel_correction_refused')
      expect((error as Error).message).toMatch(why)
      expect(counter.signatures).toBe(1)
    }
  })

  it('adopts a corrective 402 with its own voucher and pays once more from the seller\'s total', async () => {
    const ours = await buyer.signTypedData({ domain: { name: 'x402 Batch Settlement', version: '1', chainId: CHAIN_ID, verifyingContract: '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003' }, types: { Voucher: [{ name: 'channelId', type: 'bytes32' }, { name: 'maxClaimableAmount', type: 'uint128' }] }, primaryType: 'Voucher', message: { channelId, maxClaimableAmount: 5000n } })
    const { send, payloads } = seller(offer(), [() => corrective('5000', '4200', ours)])
    const response = await wrapFetch(send, { payers: [batchPayer({ account: buyer, client: chain(50_000n) })] })('https://api.test/weather')
    expect(response.status).toBe(200)
    expect(payloads.map((p) => p.voucher.maxClaimableAmount)).toEqual(['1000', '5200'])
  })

  it('deposits by Permit2 when the offer asks, to the Permit2 collector with the channel as witness', async () => {
    const { send, payloads } = seller(offer({ assetTransferMethod: 'permit2' }))
    await wrapFetch(send, { payers: [batchPayer({ account: buyer, client: chain(), deposit: '$0.01' })] })('https://api.test/weather')
    const { authorization, amount } = (payloads[0] as Extract<BatchPayloadWire, { type: 'deposit' }>).deposit
    expect(amount).toBe('10000')
    expect(authorization.permit2Authorization).toMatchObject({ from: buyer.address, spender: PERMIT2_DEPOSIT_COLLECTOR_ADDRESS, witness: { channelId }, permitted: { amount: '10000' } })
  })

  it('signs one request at a time on a channel, so that concurrent vouchers are cumulative', async () => {
    const { send, payloads } = seller(offer())
    const paidFetch = wrapFetch(send, { payers: [batchPayer({ account: buyer, client: chain(50_000n) })] })
    await Promise.all([1, 2, 3].map(() => paidFetch('https://api.test/weather')))
    expect(payloads.map((p) => p.voucher.maxClaimableAmount).sort()).toEqual(['1000', '2000', '3000'])
  })

  it('refunds with a zero-charge voucher and forgets a drained channel', async () => {
    const requests: Request[] = []
    const { send, payloads } = seller(offer(), [
      () => paid('1000'),
      () => new Response(null, { headers: { [PAYMENT_RESPONSE]: encodeBase64Json({ success: true, transaction: '0xabc', network: `eip155:${CHAIN_ID}`, amount: '49000' }) } }),
    ])
    const payer = batchPayer({ account: buyer, client: chain(50_000n), fetch: async (input, init) => (requests.push(new Request(input, init)), send(new Request(input, init))) })
    await wrapFetch(send, { payers: [payer] })('https://api.test/weather')
    const result = await payer.refund('https://api.test/weather')
    expect(payloads[1]).toMatchObject({ type: 'refund', voucher: { channelId, maxClaimableAmount: '1000' } })
    expect(payloads[1]).not.toHaveProperty('amount')
    expect(result).toEqual({ channelId, refunded: 49_000n, transaction: '0xabc', balance: 1_000n })
    expect(await payer.channels()).toEqual([])
    const refusing = batchPayer({ account: buyer, client: chain(50_000n), fetch: async () => new Response('free', { status: 200 }) })
    await expect(refusing.refund('https://api.test/weather', { amount: 10n })).rejects.toMatchObject({ code: 'refund_failed' })
  })
})
