// Typed bindings of the x402BatchSettlement contract: addresses, ABIs, EIP-712 builders, the voucher check,
// channel reads, the spec's reason strings, and the anvil installer.
export * from './constants.js'
export * from './abi.js'
export * from './typed-data.js'
export * from './deposit-authorization.js'
export * from './voucher-verify.js'
export * from './channel-state.js'
export * from './wire.js'
export { installBatchSettlement } from './deploy.js'
export { BATCH_REASONS } from './reasons.js'
export { defaultReceiverAuthorizer } from './receiver-authorizer.js'
export { claimScheduler, type ClaimScheduler, type ClaimSchedulerEvent, type ClaimSchedulerOptions, type ClaimStrategy } from './claim-scheduler.js'
export { memoryClaimSource, type ClaimableChannel, type ClaimSource } from './claim-source.js'
