// The steps for extensions that answer unpaid requests: the Store they hand an extension is guarded (a failure is
// a 503) and guarded once, not rebuilt for every unpaid request.
import { describe, expect, it } from 'vitest'
import { exact } from '../requirements/options.js'
import { memoryStore } from '../store/memory.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { createPaywall } from '../engine/paywall.js'
import type { UnpaidRequest } from './contract.js'
import { extensionSteps } from './steps.js'

const option = exact({ price: '$0.01', network: 'eip155:84532', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' })

describe('extension steps: the store an unpaid request sees', () => {
  it('is the same guarded store on every unpaid request, and a store failure there is a 503', async () => {
    const seen: UnpaidRequest['store'][] = []
    const store = memoryStore()
    const admit = async ({ store }: UnpaidRequest) => {
      seen.push(store)
      await store.get('nonce')
      return undefined
    }
    const paywall = createPaywall({ facilitator: createTestFacilitator(), store, routes: { 'GET /a': { accepts: option, extensions: [{ key: 'probe', admit, steps: extensionSteps }] } } })
    const app = paywall.protect(() => new Response('ok'))
    expect((await app(new Request('http://x.test/a'))).status).toBe(402)
    expect((await app(new Request('http://x.test/a'))).status).toBe(402)
    expect(seen).toHaveLength(2)
    expect(seen[1]).toBe(seen[0])
    expect(seen[0]).not.toBe(store)
    store.get = () => Promise.reject(new Error('redis down'))
    expect((await app(new Request('http://x.test/a'))).status).toBe(503)
  })
})
