// The plan the engine's tests pay with (engine/test-setup.ts): kept here so that engine/ names no plan fields.
import { createTestFacilitator, type TestFacilitator } from '../../testing/facilitator.js'
import { plan } from './options.js'

export const PLAN_ID = '1234567890123456789'
export const planOption = plan({ planId: PLAN_ID, agentId: '987654321', credits: 5 })

/** A test facilitator holding the plan, with `credits` to burn. */
export function facilitatorWithPlan(credits: number): TestFacilitator {
  return createTestFacilitator({ plans: [{ planId: PLAN_ID, credits }] })
}

/** The buyer's credits left on the plan. */
export function creditsLeft(facilitator: TestFacilitator, buyer: string): bigint {
  return facilitator.balance(buyer, { planId: PLAN_ID })
}
