// Interop on anvil: the reference @x402/evm 2.27 batch-settlement client (through @x402/fetch) pays a Tollgate
// batchSettlement() route whose facilitator is the reference batch-settlement facilitator (over HTTP, through
// httpFacilitator), against our x402BatchSettlement at the canonical address. A deposit, 20 vouchers, a corrective
// 402 after the client lost its state, a refund; balances and the channel read on chain before and after.
import { x402Client } from '@x402/core/client'
import { BatchSettlementEvmScheme as ReferenceBatchClient, InMemoryClientChannelStorage } from '@x402/evm/batch-settlement/client'
import { BatchSettlementEvmScheme as ReferenceBatchFacilitator } from '@x402/evm/batch-settlement/facilitator'
import { toClientEvmSigner } from '@x402/evm'
import { wrapFetchWithPayment } from '@x402/fetch'
import { Hono } from 'hono'
import { getAddress, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { decodePaymentResponse, PAYMENT_RESPONSE } from '../../codec/headers.js'
import { createPaywall } from '../../engine/paywall.js'
import type { AnvilClient, AnvilInstance } from '../../evm/anvil.js'
import { channelIdOf, readChannel } from '../../evm/batch-settlement/index.js'
import { httpFacilitator } from '../../facilitator/http.js'
import { memoryStore } from '../../store/memory.js'
import { randomSalt, tokenBalance } from '../../test-support/batch-channel.js'
import { referenceFacilitator } from '../../test-support/reference-facilitator.js'
import { listen } from '../../test-support/server.js'
import { useUsdcChain } from '../../test-support/usdc-chain.js'
import { readChannelRecord } from './channel-record.js'
import { batchSettlement } from './options.js'

let anvil: AnvilInstance
let owner: AnvilClient
let token: Address
let facilitatorUrl: string
let closeFacilitator: () => Promise<void>
const calls: string[] = []

useUsdcChain({ fund: 1_000_000n, ready: (chain) => ({ anvil, owner, token } = chain) })

beforeAll(async () => {
  const network = `eip155:${anvil.chainId}` as const
  const authorizer = privateKeyToAccount(anvil.privateKeys[3]!)
  const { facilitator } = referenceFacilitator(anvil, anvil.accounts[5]!, network, (signer) => new ReferenceBatchFacilitator(signer, authorizer) as never)
  const app = new Hono()
  app.post('/:endpoint', async (c) => {
    const body = await c.req.json()
    const endpoint = c.req.param('endpoint')
    calls.push(`${endpoint}:${body.paymentPayload.payload.type}`)
    const answer = endpoint === 'verify' ? await facilitator.verify(body.paymentPayload, body.paymentRequirements) : await facilitator.settle(body.paymentPayload, body.paymentRequirements)
    return c.json(answer)
  })
  app.get('/supported', (c) => c.json(facilitator.getSupported()))
  ;({ url: facilitatorUrl, close: closeFacilitator } = await listen(app.fetch))
}, 60_000)

afterAll(async () => {
  await closeFacilitator?.()
})

describe('the reference batch-settlement client pays a Tollgate route (reference facilitator, anvil)', () => {
  it('a deposit, 20 vouchers with no facilitator call, a corrective 402 after its state is wiped, then a refund', async () => {
    const network = `eip155:${anvil.chainId}`
    const buyer = anvil.accounts[1]!
    const receiver = getAddress(anvil.accounts[2]!.address)
    const authorizer = getAddress(anvil.accounts[3]!.address)
    const store = memoryStore()
    const option = batchSettlement({ price: '0.001', network, payTo: receiver, asset: { address: token, name: 'USDC', version: '2' }, receiverAuthorizer: authorizer })
    const handler = vi.fn(() => Response.json({ weather: 'sunny' }))
    const paywall = createPaywall({ routes: { 'GET /weather': option }, facilitator: httpFacilitator({ url: facilitatorUrl }), store, idempotency: false })
    const app = paywall.protect(handler)
    // What the seller answered each paid request: its status and, for a 402, the reason.
    const answers: string[] = []
    const appFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      const response = await app(request)
      if (request.headers.has('PAYMENT-SIGNATURE')) {
        const required = response.headers.get('PAYMENT-REQUIRED')
        answers.push(required ? `402 ${(JSON.parse(atob(required)) as { error: string }).error}` : String(response.status))
      }
      return response
    }) as typeof fetch
    const salt = randomSalt()
    const client = (storage = new InMemoryClientChannelStorage()) =>
      new ReferenceBatchClient(toClientEvmSigner(buyer, owner as never), { storage, salt, rpcUrl: anvil.rpcUrl, depositPolicy: { depositMultiplier: 30 } })
    const payingFetch = (scheme: ReferenceBatchClient) => wrapFetchWithPayment(appFetch, new x402Client().register('eip155:*', scheme as never).setSpendControls(false))
    const url = 'http://shop.test/weather'
    const receipt = (response: Response) => {
      const decoded = decodePaymentResponse(response.headers.get(PAYMENT_RESPONSE)!)
      if (!decoded.ok) throw decoded.error
      return decoded.value
    }

    const buyerBefore = await tokenBalance(owner, token, buyer.address)
    const first = client()
    const fetchPaid = payingFetch(first)
    const deposit = await fetchPaid(url)
    expect(deposit.status).toBe(200)
    expect(receipt(deposit)).toMatchObject({ success: true, extra: { chargedAmount: '1000', channelState: { chargedCumulativeAmount: '1000' } } })
    expect(calls).toEqual(['verify:deposit', 'settle:deposit'])
    const config = first.buildChannelConfig(option.requirements as never)
    const channelId = channelIdOf(config as never, anvil.chainId)
    const deposited = (await readChannel(owner, channelId)).balance
    expect(deposited).toBe(30_000n)
    expect(await tokenBalance(owner, token, buyer.address)).toBe(buyerBefore - deposited)

    for (let n = 2; n <= 21; n++) {
      const response = await fetchPaid(url)
      expect(response.status).toBe(200)
      expect(receipt(response)).toMatchObject({ success: true, transaction: '', extra: { chargedAmount: '1000', channelState: { chargedCumulativeAmount: String(n * 1000) } } })
    }
    // Twenty vouchers, checked here: no facilitator call, no transaction; the chain has not moved.
    expect(calls).toEqual(['verify:deposit', 'settle:deposit'])
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: deposited, totalClaimed: 0n })
    expect(await readChannelRecord(store, channelId)).toMatchObject({ chargedCumulativeAmount: '21000', signedMaxClaimable: '21000' })

    // The client loses its channel state: it recovers from the chain (nothing claimed yet), signs too low a voucher,
    // adopts the seller's count from the corrective 402 (after checking its own signature there) and pays.
    const wiped = client()
    const afterWipe = await payingFetch(wiped)(url)
    expect(afterWipe.status).toBe(200)
    expect(receipt(afterWipe).extra).toMatchObject({ chargedAmount: '1000', channelState: { chargedCumulativeAmount: '22000' } })
    expect(handler).toHaveBeenCalledTimes(22)
    expect(answers.slice(-3)).toEqual(['200', '402 invalid_batch_settlement_evm_cumulative_amount_mismatch', '200'])

    // The refund: the handler does not run; the facilitator claims the last voucher and returns the rest.
    const refunded = await wiped.refund(url, { fetch: appFetch })
    expect(refunded).toMatchObject({ success: true })
    expect(handler).toHaveBeenCalledTimes(22)
    expect(await readChannel(owner, channelId)).toMatchObject({ balance: 22_000n, totalClaimed: 22_000n, refundNonce: 1n })
    expect(await tokenBalance(owner, token, buyer.address)).toBe(buyerBefore - 22_000n)
    expect(calls.slice(-2)).toEqual(['verify:refund', 'settle:refund'])
    await paywall.close()
  }, 120_000)
})
