// payment-identifier on a paywall: the 402 declares it, a payment's id deduplicates it through the idempotency and
// Store machinery (the same id answers the kept answer and charges once), and bad ids are refused uncharged.
import { describe, expect, it } from 'vitest'
import { BUYER, ORIGIN, planOption, setup, usdcOption } from '../../engine/test-setup.js'
import { paidRequest, readPaymentRequired } from '../../testing/requests.js'
import { isPaymentId, newPaymentId, PAYMENT_ID_SCHEMA, paymentIdentifier } from './index.js'

const PREMIUM = `${ORIGIN}/premium`
const ASK = `${ORIGIN}/ask`
const ID = 'pay_7d5d747be160e280504c099d984bcfe0'

/** The kept answer is written once its body has streamed out. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10))

const idExtension = (id: string = ID) => ({ 'payment-identifier': { info: { required: false, id }, schema: PAYMENT_ID_SCHEMA } })

function paywallWith(required?: boolean) {
  let runs = 0
  const extensions = [paymentIdentifier(required === undefined ? {} : { required })]
  const fixture = setup(
    {
      routes: {
        'GET /premium': { accepts: usdcOption, extensions },
        'POST /ask': { accepts: planOption, extensions },
      },
    },
    async () => Response.json({ run: ++runs }),
  )
  return { ...fixture, runs: () => runs }
}

describe('payment-identifier', () => {
  it('declares itself in the 402, as the spec writes it', async () => {
    const { app } = paywallWith(true)
    const { v2 } = await readPaymentRequired(await app(new Request(PREMIUM)))
    expect(v2?.extensions).toEqual({ 'payment-identifier': { info: { required: true }, schema: PAYMENT_ID_SCHEMA } })
  })

  it('the same id with the same payment answers the kept answer and is charged once', async () => {
    const { app, facilitator, usdcBalance, runs } = paywallWith()
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions: idExtension() })
    expect(await (await app(paidRequest(PREMIUM, token))).json()).toEqual({ run: 1 })
    await settle()
    const retry = await app(paidRequest(PREMIUM, token))
    expect(retry.status).toBe(200)
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await retry.json()).toEqual({ run: 1 })
    expect(runs()).toBe(1)
    expect(usdcBalance()).toBe(990_000n)
  })

  it('deduplicates a reusable payment (a plan token) by its id: credits are spent once', async () => {
    const { app, facilitator, credits, runs } = paywallWith()
    const token = facilitator.mint({ payer: BUYER, requirements: planOption.requirements, extensions: idExtension() })
    const before = credits()
    expect((await app(paidRequest(ASK, token, { method: 'POST' }))).status).toBe(200)
    const afterOne = credits()
    expect(afterOne).toBeLessThan(before)
    await settle()
    const retry = await app(paidRequest(ASK, token, { method: 'POST' }))
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await retry.json()).toEqual({ run: 1 })
    expect(runs()).toBe(1)
    expect(credits()).toBe(afterOne)
    // Without an id the same reusable token pays again: the id is what made the retry a retry.
    const fresh = facilitator.mint({ payer: BUYER, requirements: planOption.requirements })
    expect(await (await app(paidRequest(ASK, fresh, { method: 'POST' }))).json()).toEqual({ run: 2 })
  })

  it('the same id with another payment: 409 payment_id_conflict, nothing charged, the handler does not run', async () => {
    const { app, facilitator, usdcBalance, runs } = paywallWith()
    const first = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions: idExtension() })
    const second = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions: idExtension() })
    expect((await app(paidRequest(PREMIUM, first))).status).toBe(200)
    const conflict = await app(paidRequest(PREMIUM, second))
    expect(conflict.status).toBe(409)
    expect(await conflict.json()).toMatchObject({ error: 'payment_id_conflict' })
    expect(runs()).toBe(1)
    expect(usdcBalance()).toBe(990_000n)
    expect(facilitator.verifyCalls().map((call) => call.request.token)).not.toContain(second)
  })

  it('two payments with one id at once: one is served, the other refused, one charge', async () => {
    const { app, facilitator, usdcBalance } = paywallWith()
    const tokens = [0, 1].map(() => facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions: idExtension() }))
    const statuses = (await Promise.all(tokens.map((token) => app(paidRequest(PREMIUM, token))))).map((r) => r.status).sort()
    expect(statuses).toEqual([200, 409])
    expect(usdcBalance()).toBe(990_000n)
  })

  it('a required id that is missing: the spec\'s 400 payment_id_required, nothing verified or charged', async () => {
    const { app, facilitator, usdcBalance, runs } = paywallWith(true)
    for (const extensions of [undefined, { 'payment-identifier': { info: { required: true }, schema: PAYMENT_ID_SCHEMA } }]) {
      const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, ...(extensions ? { extensions } : {}) })
      const response = await app(paidRequest(PREMIUM, token))
      expect(response.status).toBe(400)
      const body = (await response.json()) as { error: string; message: string }
      expect(body.error).toBe('payment_id_required')
      expect(body.message).toContain('extensions["payment-identifier"].info.id')
    }
    expect(usdcBalance()).toBe(1_000_000n)
    expect(runs()).toBe(0)
    expect(facilitator.verifyCalls()).toHaveLength(0)
    // With an id it pays.
    const withId = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions: idExtension() })
    expect((await app(paidRequest(PREMIUM, withId))).status).toBe(200)
  })

  it('an optional id may be left out: the payment is served as before', async () => {
    const { app, facilitator } = paywallWith(false)
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements })
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
  })

  it.each([
    ['an extension that is not an object', 'nonsense', 'extensions["payment-identifier"].info'],
    ['info without required', { info: { id: ID } }, 'extensions["payment-identifier"].info.required'],
    ['an id too short', { info: { required: false, id: 'short' } }, 'extensions["payment-identifier"].info.id'],
    ['an id too long', { info: { required: false, id: 'a'.repeat(129) } }, 'extensions["payment-identifier"].info.id'],
    ['an id with other characters', { info: { required: false, id: 'pay_with spaces and dots.' } }, 'extensions["payment-identifier"].info.id'],
    ['an id that is not a string', { info: { required: false, id: 12345678901234567 } }, 'extensions["payment-identifier"].info.id'],
  ])('a malformed extension (%s): 400 invalid_extension, nothing charged', async (_name, extension, path) => {
    const { app, facilitator, usdcBalance, runs } = paywallWith()
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions: { 'payment-identifier': extension } })
    const response = await app(paidRequest(PREMIUM, token))
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: string; message: string }
    expect(body.error).toBe('invalid_extension')
    expect(body.message).toContain(path)
    expect(runs()).toBe(0)
    expect(usdcBalance()).toBe(1_000_000n)
  })

  it('ignores the extensions of a route that does not declare it', async () => {
    const { app, facilitator } = setup()
    const token = facilitator.mint({ payer: BUYER, requirements: usdcOption.requirements, extensions: { 'payment-identifier': 'nonsense' } })
    expect((await app(paidRequest(PREMIUM, token))).status).toBe(200)
  })

  it('makes and checks ids as the spec writes them', () => {
    const id = newPaymentId()
    expect(id).toMatch(/^pay_[0-9a-f]{32}$/)
    expect([id, ID, 'a'.repeat(16), 'a'.repeat(128)].every(isPaymentId)).toBe(true)
    expect(['a'.repeat(15), 'a'.repeat(129), 'pay_ünïcode_0123456', undefined, 42].some(isPaymentId)).toBe(false)
  })

  it('refuses bad options and bad route extensions when the paywall is created', () => {
    expect(() => paymentIdentifier({ required: 'yes' as unknown as boolean })).toThrow(/required/)
    expect(() => setup({ routes: { 'GET /premium': { accepts: usdcOption, extensions: {} as never } } })).toThrow(/routes\["GET \/premium"\]\.extensions.*a list of extensions/)
  })
})
