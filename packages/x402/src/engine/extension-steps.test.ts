// The engine's steps for extensions that answer per request: declarations in the 402, a receipt's additions, an
// extension that fails after the money moved (the payment stands), and the check when the paywall is built.
import { describe, expect, it } from 'vitest'
import { decodePaymentRequired, decodePaymentResponse } from '../codec/headers.js'
import { isTollgateError } from '../errors.js'
import { defaultAsset } from '../requirements/assets.js'
import { exact } from '../requirements/options.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { createPaywall } from './paywall.js'
import type { Extension } from '../extensions/contract.js'
import { extensionSteps } from '../extensions/steps.js'
import type { PaywallEvent } from './types.js'

const NETWORK = 'eip155:84532'
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

function setup(extension: Extension) {
  const facilitator = createTestFacilitator()
  facilitator.fund(BUYER, 1_000_000n, { asset: defaultAsset(NETWORK)!.address })
  const events: PaywallEvent[] = []
  const option = exact({ price: '$0.01', network: NETWORK, payTo: PAY_TO })
  const paywall = createPaywall({ facilitator, onEvent: (e) => events.push(e), routes: { 'GET /a': { accepts: option, extensions: [extension] } } })
  const app = paywall.protect(() => Response.json({ ok: true }))
  const pay = () => app(new Request('http://x.test/a', { headers: { 'PAYMENT-SIGNATURE': facilitator.mint({ requirements: option.requirements, payer: BUYER }) } }))
  return { app, pay, events }
}

describe('route extensions (the engine\'s steps)', () => {
  it('adds declarations to the 402 and its part to a successful receipt', async () => {
    const { app, pay } = setup({ key: 'note', challenge: ({ resourceUrl }) => ({ info: { resourceUrl } }), settled: ({ payer }) => ({ info: { payer } }), steps: extensionSteps })
    const unpaid = await app(new Request('http://x.test/a'))
    const required = decodePaymentRequired(unpaid.headers.get('PAYMENT-REQUIRED')!)
    expect(required.ok && required.value.extensions).toEqual({ note: { info: { resourceUrl: 'http://x.test/a' } } })
    const paid = await pay()
    expect(paid.status).toBe(200)
    const receipt = decodePaymentResponse(paid.headers.get('PAYMENT-RESPONSE')!)
    expect(receipt.ok && receipt.value.extensions).toEqual({ note: { info: { payer: BUYER } } })
  })

  it('an extension that fails after settlement does not undo the payment: 200, receipt without its part, a store.error event', async () => {
    const { pay, events } = setup({ key: 'broken', settled: () => Promise.reject(new Error('signer offline')), steps: extensionSteps })
    const paid = await pay()
    expect(paid.status).toBe(200)
    const receipt = decodePaymentResponse(paid.headers.get('PAYMENT-RESPONSE')!)
    expect(receipt.ok && receipt.value).toMatchObject({ success: true })
    expect(receipt.ok && receipt.value.extensions).toBeUndefined()
    expect(events.find((e) => e.type === 'store.error')).toMatchObject({ reason: 'broken_failed' })
  })

  it('refuses, when the paywall is built, extensions that are not extensions (no key, no hook), and an empty list', () => {
    const facilitator = createTestFacilitator()
    const build = (extensions: unknown) => () =>
      createPaywall({ facilitator, routes: { 'GET /a': { accepts: exact({ price: '$0.01', network: NETWORK, payTo: PAY_TO }), extensions: extensions as never } } })
    for (const bad of [[{ key: 'x' }], {}, [], 'sign-in', [{ key: '', settled: () => undefined, steps: extensionSteps }], [{ key: 'x', settled: () => undefined }]]) {
      const error = (() => {
        try {
          build(bad)()
        } catch (e) {
          return e
        }
      })()
      expect(isTollgateError(error) && error.code).toBe('invalid_options')
    }
  })
})
