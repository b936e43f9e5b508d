// Extensions on a route whose scheme verifies locally (batch-settlement), through a real paywall: a payment id is
// read, enforced and bound as on an exact route (a retried voucher gets its kept answer, never a second charge),
// an id whose payment charged nothing is free again, and offer-receipt signs the voucher's receipt.
import { getAddress, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it, vi } from 'vitest'
import { encodePaymentSignature } from '../codec/headers.js'
import type { PaymentRequirements } from '../codec/types.js'
import { channelIdOf, voucherTypedData, type ChannelConfig } from '../evm/batch-settlement/index.js'
import { bytesToBase64 } from '../codec/base64.js'
import { decodePaymentRequired } from '../codec/headers.js'
import { OFFER_RECEIPT, offerReceipt, PAYMENT_ID_SCHEMA, paymentIdentifier, signInWithX, siweMessage, type Extension, type SignInChallenge, type SignInProof } from '../extensions/index.js'
import type { Facilitator } from '../facilitator/types.js'
import { readChannelRecord } from '../schemes/evm-batch-settlement/channel-record.js'
import { batchSettlement } from '../schemes/evm-batch-settlement/options.js'
import { memoryStore } from '../store/memory.js'
import { readPaymentRequired, readReceipt } from '../testing/requests.js'
import { createPaywall } from './paywall.js'
import { checkPayment } from './structured.js'
import type { NextHandler } from './types.js'

const CHAIN_ID = 84532
const NETWORK = `eip155:${CHAIN_ID}`
const KEY = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const payer = privateKeyToAccount(KEY(1))
const voucherSigner = privateKeyToAccount(KEY(2))
const receiverAuthorizer = privateKeyToAccount(KEY(4))
const seller = privateKeyToAccount(KEY(5))
const payTo = getAddress('0x' + '22'.repeat(20))
const token = getAddress('0x' + '33'.repeat(20))
const config: ChannelConfig = { payer: payer.address, payerAuthorizer: voucherSigner.address, receiver: payTo, receiverAuthorizer: receiverAuthorizer.address, token, withdrawDelay: 900, salt: KEY(9) }
const channelId = channelIdOf(config, CHAIN_ID)
const URL_ = 'https://shop.example/data'
const ID = 'pay_4c1e9a7d2b3f40e8a6c5d7e8f9a0b1c2'

function scripted(): Facilitator {
  const state = { balance: 100_000n, refundNonce: 0n }
  const snapshot = () => ({ balance: String(state.balance), totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: String(state.refundNonce) })
  return {
    name: 'scripted',
    verify: vi.fn(async () => ({ isValid: true, payer: payer.address, extra: snapshot() })),
    settle: vi.fn(async (request) => {
      const body = (request.proof.payload as unknown as { payload: { type: string; amount?: string } }).payload
      if (body.type === 'refund') {
        state.balance -= BigInt(body.amount!)
        state.refundNonce += 1n
        return { success: true, transaction: '0xrefund', network: NETWORK, payer: payer.address, amount: body.amount, extra: { channelState: snapshot() } }
      }
      return { success: true, transaction: '0xdeposit', network: NETWORK, payer: payer.address, amount: '0', extra: { channelState: snapshot() } }
    }),
  }
}

function setup(extensions: Extension[], handler?: NextHandler) {
  const store = memoryStore()
  const option = batchSettlement({ price: '0.001', network: NETWORK, payTo, asset: { address: token, name: 'USDC', version: '2' }, receiverAuthorizer: receiverAuthorizer.address })
  let runs = 0
  const next = vi.fn<NextHandler>(handler ?? (() => Response.json({ run: ++runs })))
  const paywall = createPaywall({ routes: { 'GET /data': { accepts: option, extensions } }, facilitator: scripted(), store })
  const channelRecord = () => readChannelRecord(store, channelId)
  return { app: paywall.protect(next), paywall, next, store, requirements: option.requirements, channelRecord }
}

type Kind = 'deposit' | 'voucher' | 'refund'

async function payload(requirements: PaymentRequirements, type: Kind, cumulative: bigint, id?: string | object) {
  const signature = await voucherSigner.signTypedData(voucherTypedData({ channelId, maxClaimableAmount: cumulative }, CHAIN_ID))
  const body: Record<string, unknown> = { type, channelConfig: config, voucher: { channelId, maxClaimableAmount: cumulative.toString(), signature } }
  if (type === 'deposit') body.deposit = { amount: '100000', authorization: { erc3009Authorization: { validAfter: '0', validBefore: '9999999999', salt: KEY(7), signature: '0x' + '11'.repeat(65) } } }
  const info = typeof id === 'string' ? { required: true, id } : id
  return { x402Version: 2 as const, accepted: requirements, payload: body, ...(info && { extensions: { 'payment-identifier': { info, schema: PAYMENT_ID_SCHEMA } } }) }
}

async function pay(requirements: PaymentRequirements, type: Kind, cumulative: bigint, id?: string | object) {
  return new Request(URL_, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignature((await payload(requirements, type, cumulative, id)) as never) } })
}

/** The kept answer is written once its body has streamed out. */
const streamed = () => new Promise((resolve) => setTimeout(resolve, 10))

describe('payment-identifier on a batch-settlement route', () => {
  it('refuses a voucher without the required id (400 payment_id_required) or with a malformed one (400 invalid_extension): nothing charged, the channel unchanged', async () => {
    const { app, requirements, next, channelRecord } = setup([paymentIdentifier({ required: true })])
    expect((await app(await pay(requirements, 'deposit', 1000n, 'pay_deposit_000000000001'))).status).toBe(200)
    const before = await channelRecord()
    const missing = await app(await pay(requirements, 'voucher', 2000n))
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ error: 'payment_id_required' })
    const malformed = await app(await pay(requirements, 'voucher', 2000n, { required: true, id: 'short' }))
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ error: 'invalid_extension' })
    expect(next).toHaveBeenCalledTimes(1)
    expect(await channelRecord()).toEqual(before)
  })

  it('answers the same voucher retried with the same id from the kept answer: the handler runs once, the channel is charged once', async () => {
    const { app, requirements, next, channelRecord } = setup([paymentIdentifier({ required: true })])
    await app(await pay(requirements, 'deposit', 1000n, 'pay_deposit_000000000001'))
    const voucher = await payload(requirements, 'voucher', 2000n, ID)
    const send = () => app(new Request(URL_, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignature(voucher as never) } }))
    const first = await send()
    expect(await first.json()).toEqual({ run: 2 })
    await streamed()
    const retry = await send()
    expect(retry.status).toBe(200)
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await retry.json()).toEqual({ run: 2 })
    expect(readReceipt(retry)?.extra).toMatchObject({ channelState: { chargedCumulativeAmount: '2000' } })
    expect(next).toHaveBeenCalledTimes(2)
    expect(await channelRecord()).toMatchObject({ chargedCumulativeAmount: '2000' })
  })

  it('refuses the same id on another voucher (409 payment_id_conflict): nothing charged, the channel unchanged', async () => {
    const { app, requirements, next, channelRecord } = setup([paymentIdentifier()])
    await app(await pay(requirements, 'deposit', 1000n))
    expect((await app(await pay(requirements, 'voucher', 2000n, ID))).status).toBe(200)
    const before = await channelRecord()
    const conflict = await app(await pay(requirements, 'voucher', 3000n, ID))
    expect(conflict.status).toBe(409)
    expect(await conflict.json()).toMatchObject({ error: 'payment_id_conflict' })
    expect(next).toHaveBeenCalledTimes(2)
    expect(await channelRecord()).toEqual(before)
  })

  it('frees the id of a voucher that charged nothing (refused, or its handler failed): the next voucher with that id is served and charged once', async () => {
    let fail = false
    const { app, requirements, channelRecord } = setup([paymentIdentifier()], () => (fail ? new Response('no', { status: 500 }) : Response.json({ ok: true })))
    await app(await pay(requirements, 'deposit', 1000n))
    const stale = await app(await pay(requirements, 'voucher', 500n, ID))
    expect((await readPaymentRequired(stale)).v2?.error).toBe('invalid_batch_settlement_evm_cumulative_amount_mismatch')
    fail = true
    expect((await app(await pay(requirements, 'voucher', 2000n, ID))).status).toBe(500)
    expect(await channelRecord()).toMatchObject({ chargedCumulativeAmount: '1000' })
    fail = false
    const served = await app(await pay(requirements, 'voucher', 2000n, ID))
    expect(served.status).toBe(200)
    expect(readReceipt(served)?.extra).toMatchObject({ chargedAmount: '1000', channelState: { chargedCumulativeAmount: '2000' } })
    // Charged now: the id stays bound to the voucher that paid.
    expect((await app(await pay(requirements, 'voucher', 3000n, ID))).status).toBe(409)
  })

  it('keeps a refund under its id: the same refund retried is answered again, not run twice', async () => {
    const { app, requirements } = setup([paymentIdentifier()])
    await app(await pay(requirements, 'deposit', 1000n))
    const refund = await payload(requirements, 'refund', 1000n, ID)
    const send = () => app(new Request(URL_, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignature(refund as never) } }))
    const first = await send()
    expect(first.status).toBe(200)
    expect(first.headers.get('Idempotent-Replayed')).toBeNull()
    const again = await send()
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(readReceipt(again)).toMatchObject({ transaction: '0xrefund' })
  })
})

describe('offer-receipt on a batch-settlement route', () => {
  it("puts the signed receipt in a paid voucher's receipt, as on exact", async () => {
    const { app, requirements } = setup([offerReceipt({ signer: { format: 'eip712', account: seller } })])
    await app(await pay(requirements, 'deposit', 1000n))
    const response = await app(await pay(requirements, 'voucher', 2000n))
    expect(response.status).toBe(200)
    const receipt = readReceipt(response)
    expect(receipt?.extra).toMatchObject({ chargedAmount: '1000' })
    const part = (receipt?.extensions as Record<string, unknown> | undefined)?.[OFFER_RECEIPT] as { info?: { receipt?: unknown } } | undefined
    expect(part?.info?.receipt).toMatchObject({ format: 'eip712', payload: { resourceUrl: URL_, payer: payer.address, network: NETWORK } })
  })
})

describe('sign-in-with-x on a batch-settlement route', () => {
  it('lets the payer of a voucher sign in instead of paying again, nothing charged', async () => {
    const { app, requirements, channelRecord } = setup([signInWithX({ accessMs: 60_000 })], (_request, ctx) => Response.json({ payer: ctx.payer ?? null, paid: ctx.payment !== undefined }))
    await app(await pay(requirements, 'deposit', 1000n))
    expect(await (await app(await pay(requirements, 'voucher', 2000n))).json()).toEqual({ payer: payer.address, paid: true })
    const asked = decodePaymentRequired((await app(new Request(URL_))).headers.get('PAYMENT-REQUIRED')!)
    if (!asked.ok) throw asked.error
    const { info } = asked.value.extensions!['sign-in-with-x'] as SignInChallenge
    const proof: SignInProof = { ...info, address: payer.address, chainId: NETWORK, type: 'eip191', signature: await payer.signMessage({ message: siweMessage(info, payer.address, CHAIN_ID) }) }
    const signedIn = await app(new Request(URL_, { headers: { 'SIGN-IN-WITH-X': bytesToBase64(new TextEncoder().encode(JSON.stringify(proof))) } }))
    expect(signedIn.status).toBe(200)
    expect(await signedIn.json()).toEqual({ payer: payer.address, paid: false })
    expect(await channelRecord()).toMatchObject({ chargedCumulativeAmount: '2000' })
  })
})

describe("a refund's answer on the structured entry", () => {
  it('is an answer made now, not marked as a replay', async () => {
    const { paywall, requirements } = setup([paymentIdentifier()])
    const deposit = await checkPayment(paywall, { resource: URL_, method: 'GET', payment: await payload(requirements, 'deposit', 1000n) })
    if (deposit.kind !== 'paid') throw new Error(`expected a paid session, got ${deposit.kind}`)
    expect((await deposit.session.finish({ kind: 'delivered' })).kind).toBe('send')
    const refund = await checkPayment(paywall, { resource: URL_, method: 'GET', payment: await payload(requirements, 'refund', 1000n, ID) })
    expect(refund).toMatchObject({ kind: 'kept', replayed: false, status: 200 })
    const again = await checkPayment(paywall, { resource: URL_, method: 'GET', payment: await payload(requirements, 'refund', 1000n, ID) })
    expect(again).toMatchObject({ kind: 'kept', replayed: true, status: 200 })
  })
})
