// combineFacilitators passes on the settlement watch: localFacilitators that watch their settlements until final
// (finalityDepth > 1), combined, still get the paywall's outbox watch. Combined with a facilitator that would
// settle anew when asked about a settlement again (credits, a test facilitator), the watch is off for all: the
// engine reads one flag per facilitator, and a second charge is worse than a reorg left unwatched.
import { describe, expect, it } from 'vitest'
import { createPaywall } from '../engine/paywall.js'
import { BUYER, ORIGIN, PLAN_ID, USDC_BASE_SEPOLIA, planOption, usdcOption } from '../engine/test-setup.js'
import { localFacilitator } from '../evm/facilitator.js'
import { ANVIL_PRIVATE_KEYS } from '../evm/anvil.js'
import { memoryOutbox } from '../store/memory-outbox.js'
import { createTestFacilitator } from '../testing/facilitator.js'
import { paidRequest } from '../testing/requests.js'
import { combineFacilitators } from './combine.js'

const local = (finalityDepth: number) => localFacilitator({ rpcUrl: 'http://127.0.0.1:1', settler: ANVIL_PRIVATE_KEYS[5]!, finalityDepth })
const pause = () => new Promise((resolve) => setTimeout(resolve, 10))

describe('combineFacilitators and the settlement watch', () => {
  it('watches when every entry does: combined localFacilitators keep their watch', () => {
    expect(local(5).watchesSettlements).toBe(true)
    const combined = combineFacilitators([
      { scheme: 'exact', network: 'eip155:8453', facilitator: local(5) },
      { scheme: 'upto', network: 'eip155:*', facilitator: local(3) },
    ])
    expect(combined.watchesSettlements).toBe(true)
    expect(combineFacilitators({ exact: local(5) }).watchesSettlements).toBe(true)
  })

  it('does not watch when one entry does not (it would settle again when asked), nor when none does', () => {
    expect(combineFacilitators([{ scheme: 'exact', network: 'eip155:*', facilitator: local(1) }]).watchesSettlements).toBe(false)
    const mixed = combineFacilitators([
      { scheme: 'exact', network: 'eip155:*', facilitator: local(5) },
      { scheme: 'nvm:erc4337', network: '*', facilitator: createTestFacilitator() },
    ])
    expect(mixed.watchesSettlements).toBe(false)
  })

  it('a paywall over combined watching facilitators keeps each delivered settlement in its outbox; over a mixed one, none', async () => {
    const usdc = Object.assign(createTestFacilitator({ name: 'usdc' }), { watchesSettlements: true })
    usdc.fund(BUYER, 50_000, { asset: USDC_BASE_SEPOLIA })
    const credits = createTestFacilitator({ name: 'credits', plans: [{ planId: PLAN_ID, credits: 10 }] })
    const watched = memoryOutbox()
    const one = createPaywall({
      routes: { '/usdc': usdcOption },
      facilitator: combineFacilitators([{ scheme: 'exact', network: 'eip155:*', facilitator: usdc }]),
      outbox: watched,
      outboxWorker: { intervalMs: 60_000 },
    })
    const app = one.protect(() => new Response('ok'))
    expect((await app(paidRequest(`${ORIGIN}/usdc`, usdc.mint({ payer: BUYER, requirements: usdcOption.requirements })))).status).toBe(200)
    await pause()
    expect(watched.size).toBe(1)
    await one.close()

    const unwatched = memoryOutbox()
    const two = createPaywall({
      routes: { '/both': [planOption, usdcOption] },
      facilitator: combineFacilitators([
        { scheme: 'exact', network: 'eip155:*', facilitator: usdc },
        { scheme: 'nvm:erc4337', network: '*', facilitator: credits },
      ]),
      outbox: unwatched,
      outboxWorker: { intervalMs: 60_000 },
    })
    const both = two.protect(() => new Response('ok'))
    expect((await both(paidRequest(`${ORIGIN}/both`, credits.mint({ payer: BUYER, requirements: planOption.requirements })))).status).toBe(200)
    expect((await both(paidRequest(`${ORIGIN}/both`, usdc.mint({ payer: BUYER, requirements: usdcOption.requirements })))).status).toBe(200)
    await pause()
    expect(unwatched.size).toBe(0)
    await two.close()
  })
})
