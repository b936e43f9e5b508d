// The accounts and plan the contract apps charge, and the test facilitator's starting books.
import { createTestFacilitator, type TestFacilitator } from '@tollgate/x402/testing'

export const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
export const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
/** USDC on Base Sepolia, the default asset of exact({ network: 'base-sepolia' }). */
export const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
export const PLAN_ID = '1234567890123456789'
/** $0.01 in USDC atomic units. */
export const PRICE = 10_000n
export const PLAN_CREDITS = 5n
export const STARTING_USDC = 1_000_000n
export const STARTING_CREDITS = 100n
/** Short deadlines, so the "slow facilitator" case answers 504 quickly. */
export const VERIFY_TIMEOUT_MS = 1500
export const SETTLE_TIMEOUT_MS = 1500

export function contractFacilitator(): TestFacilitator {
  return createTestFacilitator({ plans: [{ planId: PLAN_ID, credits: STARTING_CREDITS }] })
}

/** Back to the starting books: no calls, no faults, the buyer funded. */
export function resetBooks(facilitator: TestFacilitator): void {
  facilitator.reset()
  facilitator.fund(BUYER, STARTING_USDC, { asset: USDC })
}
