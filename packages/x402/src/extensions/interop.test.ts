// payment-identifier and bazaar both ways on anvil, a Tollgate route settled by localFacilitator: our buyer
// (wrapFetch + exactPayer) sends an id the reference server-side helpers read, and the reference client
// (@x402/core + @x402/evm) with the reference payment-identifier helper pays once per id. localFacilitator lists
// the route's bazaar declaration. Balances are read on chain.
import { x402Client } from '@x402/core/client'
import { ExactEvmScheme as ReferenceExactClient } from '@x402/evm/exact/client'
import { extractDiscoveryInfo } from '@x402/extensions/bazaar'
import { appendPaymentIdentifierToExtensions, extractAndValidatePaymentIdentifier, generatePaymentId, isValidPaymentId, validatePaymentIdentifierRequirement } from '@x402/extensions/payment-identifier'
import type { Address, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeBase64Json, decodeBase64Json } from '../codec/base64.js'
import { decodePaymentRequired, PAYMENT_REQUIRED, PAYMENT_SIGNATURE } from '../codec/headers.js'
import { exactPayer } from '../client/exact-payer.js'
import { wrapFetch } from '../client/wrap-fetch.js'
import { usdcBalance, type AnvilClient, type AnvilInstance } from '../evm/anvil.js'
import { localFacilitator } from '../evm/facilitator.js'
import { createPaywall, exact, type Paywall } from '../index.js'
import { listen } from '../test-support/server.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { bazaar } from './bazaar/index.js'
import { paymentIdentifier } from './payment-identifier/index.js'

const PRICE = 10_000n
let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let usdc: Address
let paywall: Paywall
let facilitator: ReturnType<typeof localFacilitator>
let url: string
let close: () => Promise<void>
let runs = 0

useUsdcChain({ ready: (chain) => ({ anvil, owner, buyer, payTo, token: usdc } = chain) })

beforeAll(async () => {
  const network = `eip155:${anvil.chainId}` as const
  facilitator = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50 })
  paywall = createPaywall({
    facilitator,
    routes: {
      'GET /weather': {
        accepts: exact({ amount: PRICE.toString(), network, payTo, asset: { address: usdc, name: 'USDC', version: '2', decimals: 6 } }),
        description: 'Weather by city',
        extensions: [paymentIdentifier({ required: true }), bazaar({ input: { query: { example: { city: 'Lisbon' }, schema: { properties: { city: { type: 'string' } } } } }, output: { example: { weather: 'sunny' } } })],
      },
    },
  })
  ;({ url, close } = await listen(paywall.protect(() => Response.json({ weather: 'sunny', run: ++runs }))))
}, 60_000)

afterAll(async () => {
  await close?.()
  await paywall?.close()
})

const balances = () => Promise.all([usdcBalance(owner, usdc, buyer.address), usdcBalance(owner, usdc, payTo)])
const settled = () => new Promise((resolve) => setTimeout(resolve, 50))

describe('our buyer pays a route that declares payment-identifier and bazaar', () => {
  it('sends an id the reference helpers read, echoes the declaration, and localFacilitator lists the route', async () => {
    const sent: Request[] = []
    const paidFetch = wrapFetch((request) => (sent.push(request.clone()), fetch(request)), { payers: [exactPayer(buyer)] })
    const [buyerBefore, payToBefore] = await balances()
    const response = await paidFetch(`${url}/weather?city=Lisbon`)
    expect(response.status).toBe(200)
    const payment = decodeBase64Json(sent[1]!.headers.get(PAYMENT_SIGNATURE)!) as Parameters<typeof extractAndValidatePaymentIdentifier>[0]
    const { id, validation } = extractAndValidatePaymentIdentifier(payment)
    expect(validation).toEqual({ valid: true })
    expect(id).toMatch(/^pay_[0-9a-f]{32}$/)
    expect(validatePaymentIdentifierRequirement(payment, true)).toEqual({ valid: true })
    expect(extractDiscoveryInfo(payment as never, payment.accepted as never)).toMatchObject({ method: 'GET', discoveryInfo: { input: { queryParams: { city: 'Lisbon' } } } })
    expect(await balances()).toEqual([buyerBefore - PRICE, payToBefore + PRICE])

    expect(facilitator.discovery.list().items).toEqual([
      expect.objectContaining({ resource: `${url}/weather`, type: 'http', description: 'Weather by city', extensions: { bazaar: expect.objectContaining({ info: expect.objectContaining({ input: { type: 'http', method: 'GET', queryParams: { city: 'Lisbon' } } }) }) } }),
    ])
  })
})

describe('the reference client with payment-identifier pays a Tollgate route', () => {
  /** The reference client's payment for the route's 402, carrying `id` as the reference helper writes it. */
  async function referencePayment(id: string) {
    const unpaid = await fetch(`${url}/weather`)
    expect(unpaid.status).toBe(402)
    const decoded = decodePaymentRequired(unpaid.headers.get(PAYMENT_REQUIRED)!)
    if (!decoded.ok) throw decoded.error
    const client = new x402Client().register('eip155:*', new ReferenceExactClient(buyer)).setSpendControls(false)
    const payment = await client.createPaymentPayload(decoded.value as Parameters<typeof client.createPaymentPayload>[0])
    payment.extensions = appendPaymentIdentifierToExtensions(structuredClone(payment.extensions ?? {}), id)
    return payment
  }
  const send = (payment: unknown) => fetch(`${url}/weather`, { headers: { [PAYMENT_SIGNATURE]: encodeBase64Json(payment) } })

  it('the same id and payment sent twice: one charge, the kept answer replayed', async () => {
    const payment = await referencePayment(generatePaymentId())
    const [buyerBefore] = await balances()
    const first = await send(payment)
    expect(first.status).toBe(200)
    const body = await first.json()
    await settled()
    const again = await send(payment)
    expect(again.status).toBe(200)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await again.json()).toEqual(body)
    expect((await balances())[0]).toBe(buyerBefore - PRICE)
  })

  it('the same id with a new payment: 409, nothing charged', async () => {
    const id = generatePaymentId()
    expect((await send(await referencePayment(id))).status).toBe(200)
    const [buyerBefore] = await balances()
    const conflict = await send(await referencePayment(id))
    expect(conflict.status).toBe(409)
    expect(await conflict.json()).toMatchObject({ error: 'payment_id_conflict' })
    expect((await balances())[0]).toBe(buyerBefore)
  })

  it('no id on a route that requires one: the spec\'s 400 payment_id_required, nothing charged', async () => {
    const payment = await referencePayment(generatePaymentId())
    delete (payment.extensions as Record<string, unknown>)['payment-identifier']
    const [buyerBefore] = await balances()
    const refused = await send(payment)
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ error: 'payment_id_required', message: expect.stringContaining('payment id') })
    expect((await balances())[0]).toBe(buyerBefore)
  })

  it('an id the reference would not make (too short, other characters): 400, nothing charged', async () => {
    const [buyerBefore] = await balances()
    for (const id of ['pay_short', 'pay_7d5d747be160e280 504c099d9']) {
      expect(isValidPaymentId(id)).toBe(false)
      const payment = await referencePayment(generatePaymentId())
      ;(payment.extensions as Record<string, { info: { id: string } }>)['payment-identifier']!.info.id = id
      const refused = await send(payment)
      expect(refused.status).toBe(400)
      expect(await refused.json()).toMatchObject({ error: 'invalid_extension' })
    }
    expect((await balances())[0]).toBe(buyerBefore)
  })
})
