// The close contract: what an adapter returns closes the paywall it built (the outbox worker and the schemes'
// services, such as batch-settlement's claims), so that a server's shutdown can claim and settle what is held.
import { describe, expect, it } from 'vitest'
import { exact, memoryOutbox, type PaymentOption, type PaywallOptions, type SchemeService } from '@tollgate/x402'
import { PAY_TO, contractFacilitator } from './fixture.js'

/** The paywall options every harness gets: one paid route, and an outbox (so its worker runs from the start). */
export type CloseContractOptions = Pick<PaywallOptions, 'facilitator' | 'routes' | 'outbox' | 'outboxWorker'>

export interface CloseHarness {
  /** Shown in the test names: `hono`. */
  name: string
  /** Builds the adapter from these options; its `close` is what a user calls on shutdown (`middleware.close()`). */
  open(options: CloseContractOptions): Promise<{ close(): Promise<void> }>
}

export function runCloseContract(harness: CloseHarness): void {
  describe(`adapter contract: ${harness.name} close()`, () => {
    it("resolves once the paywall's services finished and its outbox worker stopped", async () => {
      const steps: string[] = []
      const service: SchemeService = {
        key: 'close-probe',
        async close() {
          await new Promise((resolve) => setTimeout(resolve, 20))
          steps.push('service closed')
        },
      }
      const paid = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })
      // exact's own rules, plus a service as batch-settlement starts one (schemes/contract.ts `start`).
      const probe: PaymentOption = {
        ...paid,
        scheme: {
          ...paid.scheme!,
          start(_requirements, deps) {
            if (!deps.services.some((started) => started.key === service.key)) deps.services.push(service)
          },
        },
      }
      const outbox = memoryOutbox()
      let polls = 0
      const claim = outbox.claim.bind(outbox)
      outbox.claim = (query) => (polls++, claim(query))
      const opened = await harness.open({ facilitator: contractFacilitator(), routes: { 'GET /paid': { accepts: probe } }, outbox, outboxWorker: { intervalMs: 10 } })
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(polls).toBeGreaterThan(0)
      await opened.close()
      steps.push('close resolved')
      expect(steps).toEqual(['service closed', 'close resolved'])
      const after = polls
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(polls).toBe(after)
    })
  })
}
