// Shared fixtures for the engine's tests: a paywall over the test facilitator, with events recorded.
import { vi } from 'vitest'
import { exact } from '../requirements/options.js'
import { creditsLeft, facilitatorWithPlan, PLAN_ID, planOption } from '../schemes/nvm-plan/test-fixtures.js'
import { createPaywall } from './paywall.js'
import type { NextHandler, PaywallEvent, PaywallOptions } from './types.js'

export const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
export const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
export const USDC_BASE_SEPOLIA = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
export { PLAN_ID, planOption }
export const ORIGIN = 'https://api.example.com'

export const usdcOption = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })

export function setup(overrides: Partial<PaywallOptions> = {}, handler?: NextHandler) {
  const facilitator = facilitatorWithPlan(100)
  facilitator.fund(BUYER, 1_000_000, { asset: USDC_BASE_SEPOLIA })
  const events: PaywallEvent[] = []
  const next = vi.fn<NextHandler>(handler ?? (async (_request, ctx) => Response.json({ ok: true, payer: ctx.payment?.payer })))
  const paywall = createPaywall({
    routes: {
      'GET /premium': { accepts: usdcOption, description: 'Premium data', mimeType: 'application/json' },
      'POST /ask': planOption,
      '/both': [planOption, usdcOption],
    },
    facilitator,
    onEvent: (event) => events.push(event),
    ...overrides,
  })
  const app = paywall.protect(next)
  const usdcBalance = () => facilitator.balance(BUYER, { asset: USDC_BASE_SEPOLIA })
  const credits = () => creditsLeft(facilitator, BUYER)
  return { facilitator, paywall, app, next, events, usdcBalance, credits }
}

/** Resolves when `flag.release()` is called: lets a test hold a handler open. */
export function gate() {
  let release!: () => void
  const opened = new Promise<void>((resolve) => (release = resolve))
  return { opened, release }
}
