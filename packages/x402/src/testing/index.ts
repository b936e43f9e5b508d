// @tollgate/x402/testing: the test kit. A facilitator with a ledger and faults on demand, and helpers
// that build requests and read 402s and receipts, so a paywall test needs no server.
export { createTestFacilitator, TEST_FACILITATOR_ADDRESS } from './facilitator.js'
export type {
  BalanceTarget,
  FailOptions,
  FaultMethod,
  FaultTarget,
  MintOptions,
  TestCall,
  TestCallOutcome,
  TestFacilitator,
  TestFacilitatorOptions,
  TestFault,
  TestPlan,
  TestSettleCall,
  TestVerifyCall,
} from './facilitator.js'
export { TEST_ORIGIN, payFor, paidRequest, readPaymentRequired, readReceipt, unpaidRequest } from './requests.js'
export type { PaidRequestInit, PayForOptions, ReadPaymentRequired } from './requests.js'
