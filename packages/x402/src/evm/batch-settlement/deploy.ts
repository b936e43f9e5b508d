// Test chains only: x402BatchSettlement and its two deposit collectors installed at their canonical addresses
// with anvil_setCode, as Permit2 is (permit2-chain.ts). Their code is ours, compiled from contracts/.
import type { Address } from 'viem'
import { BATCH_SETTLEMENT_RUNTIME } from '../batch-settlement.artifact.js'
import { ERC3009_DEPOSIT_COLLECTOR_RUNTIME } from '../erc3009-deposit-collector.artifact.js'
import { MULTICALL3_RUNTIME } from '../multicall3.artifact.js'
import { PERMIT2_DEPOSIT_COLLECTOR_RUNTIME } from '../permit2-deposit-collector.artifact.js'
import { BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, MULTICALL3_ADDRESS, PERMIT2_DEPOSIT_COLLECTOR_ADDRESS } from './constants.js'

type RequestClient = { request: (args: { method: 'anvil_setCode'; params: [Address, string] }) => Promise<unknown> }

/**
 * Installs x402BatchSettlement at 0x4020…0003 and the ERC-3009 and Permit2 deposit collectors at 0x4020…0004 and
 * 0x4020…0005, where the reference client signs for them, and Multicall3 at 0xcA11…CA11, through which the
 * reference facilitator reads channels (anvil has none of its own). Anvil only. No constructor runs, so the
 * contracts keep no constructor-set state: the addresses they call (Permit2, the settlement contract) are constants
 * and the EIP-712 domain is computed from the contract's own address. Permit2 deposits also need Permit2
 * (`installPermit2`).
 */
export async function installBatchSettlement(client: { request: unknown }): Promise<void> {
  const request = (client as RequestClient).request
  await request({ method: 'anvil_setCode', params: [BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_RUNTIME] })
  await request({ method: 'anvil_setCode', params: [ERC3009_DEPOSIT_COLLECTOR_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_RUNTIME] })
  await request({ method: 'anvil_setCode', params: [PERMIT2_DEPOSIT_COLLECTOR_ADDRESS, PERMIT2_DEPOSIT_COLLECTOR_RUNTIME] })
  await request({ method: 'anvil_setCode', params: [MULTICALL3_ADDRESS, MULTICALL3_RUNTIME] })
}
