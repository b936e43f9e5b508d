// The contracts' ABIs (functions, events and custom errors), from the artifacts compiled from contracts/.
export { BATCH_SETTLEMENT_ABI } from '../batch-settlement.artifact.js'
export { ERC3009_DEPOSIT_COLLECTOR_ABI } from '../erc3009-deposit-collector.artifact.js'
export { PERMIT2_DEPOSIT_COLLECTOR_ABI } from '../permit2-deposit-collector.artifact.js'
export { MULTICALL3_ABI } from '../multicall3.artifact.js'
