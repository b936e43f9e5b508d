// The compiled contract's interface is the reference's: the functions @x402/evm 2.27 calls with their argument
// types, and the events and custom errors the specification and the reference contract name.
import { toFunctionSignature, type AbiEvent, type AbiFunction } from 'viem'
import { describe, expect, it } from 'vitest'
import { BATCH_SETTLEMENT_ABI, PERMIT2_DEPOSIT_COLLECTOR_ABI } from './abi.js'

const CONFIG = '(address,address,address,address,address,uint40,bytes32)'
const CLAIMS = `((${CONFIG},uint128),bytes,uint128)[]`

describe('the x402BatchSettlement ABI', () => {
  it('has the functions the reference client, server and facilitator call, with their argument types', () => {
    const signatures = new Set(BATCH_SETTLEMENT_ABI.filter((item): item is AbiFunction & typeof item => item.type === 'function').map((f) => toFunctionSignature(f as AbiFunction)))
    for (const expected of [
      `deposit(${CONFIG},uint128,address,bytes)`,
      `claim(${CLAIMS})`,
      `claimWithSignature(${CLAIMS},bytes)`,
      'settle(address,address)',
      `initiateWithdraw(${CONFIG},uint128)`,
      `finalizeWithdraw(${CONFIG})`,
      `refund(${CONFIG},uint128)`,
      `refundWithSignature(${CONFIG},uint128,uint256,bytes)`,
      'multicall(bytes[])',
      `getChannelId(${CONFIG})`,
      'getVoucherDigest(bytes32,uint128)',
      'getRefundDigest(bytes32,uint256,uint128)',
      `getClaimBatchDigest(${CLAIMS})`,
      'channels(bytes32)',
      'pendingWithdrawals(bytes32)',
      'receivers(address,address)',
      'refundNonce(bytes32)',
      'CHANNEL_CONFIG_TYPEHASH()',
    ]) {
      expect(signatures.has(expected), expected).toBe(true)
    }
  })

  it('emits the specification\'s events and names the reference contract\'s errors', () => {
    const events = BATCH_SETTLEMENT_ABI.filter((item) => item.type === 'event').map((e) => (e as AbiEvent).name).sort()
    expect(events).toEqual(['ChannelClosed', 'ChannelCreated', 'Claimed', 'Deposited', 'Refunded', 'Settled', 'WithdrawFinalized', 'WithdrawInitiated'])
    const errors = new Set(BATCH_SETTLEMENT_ABI.filter((item) => item.type === 'error').map((e) => (e as { name: string }).name))
    for (const name of [
      'InvalidChannel', 'ZeroDeposit', 'DepositOverflow', 'InvalidSignature', 'NotReceiverAuthorizer', 'NotAuthorizedToClaim',
      'NotAuthorizedToRefund', 'ClaimExceedsCeiling', 'ClaimExceedsBalance', 'WithdrawalAlreadyPending', 'WithdrawalNotPending',
      'NotAuthorizedToFinalizeWithdraw', 'WithdrawDelayNotElapsed', 'NothingToWithdraw', 'WithdrawAmountExceedsAvailable',
      'WithdrawDelayOutOfRange', 'EmptyBatch', 'DepositCollectionFailed', 'InvalidCollector', 'InvalidRefundNonce', 'ZeroRefund',
      // Ours where the reference has OpenZeppelin's: ReentrancyGuardTransient's (same name) and SafeERC20's failure.
      'ReentrancyGuardReentrantCall', 'TokenTransferFailed',
    ]) {
      expect(errors.has(name), name).toBe(true)
    }
    const collectorErrors = PERMIT2_DEPOSIT_COLLECTOR_ABI.filter((item) => item.type === 'error').map((e) => (e as { name: string }).name)
    expect(collectorErrors).toEqual(expect.arrayContaining(['OnlyX402BatchSettlement', 'Permit2612AmountMismatch']))
  })
})
