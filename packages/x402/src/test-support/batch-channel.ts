// Test helpers for the x402BatchSettlement contract on anvil: channel configs, deposits by ERC-3009 and by
// Permit2, signed vouchers and claim rows, transactions that must succeed, and the custom error of one that reverts.
import {
  BaseError,
  bytesToHex,
  ContractFunctionRevertedError,
  decodeErrorResult,
  parseEventLogs,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { anvilClient, startUsdcChain, type AnvilClient, type UsdcChain } from '../evm/anvil.js'
import {
  BATCH_SETTLEMENT_ABI,
  BATCH_SETTLEMENT_ADDRESS,
  channelIdOf,
  ERC3009_DEPOSIT_COLLECTOR_ABI,
  ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
  erc3009CollectorData,
  erc3009DepositTypedData,
  PERMIT2_DEPOSIT_COLLECTOR_ABI,
  PERMIT2_DEPOSIT_COLLECTOR_ADDRESS,
  permit2CollectorData,
  permit2DepositTypedData,
  voucherTypedData,
  type ChannelConfig,
  type VoucherClaim,
} from '../evm/batch-settlement/index.js'
import { PERMIT2_ABI } from '../evm/permit2-abi.js'
import { TEST_USDC_ABI } from '../evm/test-usdc.artifact.js'

/** Every error any of the contracts can answer, to name the one a revert carries. */
const ALL_ERRORS = [...BATCH_SETTLEMENT_ABI, ...ERC3009_DEPOSIT_COLLECTOR_ABI, ...PERMIT2_DEPOSIT_COLLECTOR_ABI, ...PERMIT2_ABI, ...TEST_USDC_ABI].filter(
  (item) => item.type === 'error',
) as Abi

export const randomSalt = (): Hex => bytesToHex(crypto.getRandomValues(new Uint8Array(32)))

export function channelConfig(base: Omit<ChannelConfig, 'salt' | 'withdrawDelay'> & Partial<ChannelConfig>): ChannelConfig {
  return { withdrawDelay: 900, salt: randomSalt(), ...base }
}

/** Sends a settlement-contract call from `client` and returns its receipt, which must be a success. */
export async function send(client: AnvilClient, functionName: string, args: readonly unknown[]): Promise<TransactionReceipt> {
  const hash = await client.writeContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: BATCH_SETTLEMENT_ABI, functionName, args } as never)
  const receipt = await client.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`${functionName} reverted in ${hash}`)
  return receipt
}

/** The name of the custom error (or the require message) the call reverts with, simulated from `client` (throws when it does not revert). */
export async function revertOf(client: AnvilClient, functionName: string, args: readonly unknown[], address: Address = BATCH_SETTLEMENT_ADDRESS): Promise<string> {
  try {
    await client.simulateContract({ address, abi: [...BATCH_SETTLEMENT_ABI, ...ERC3009_DEPOSIT_COLLECTOR_ABI], functionName, args } as never)
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined
    if (reverted instanceof ContractFunctionRevertedError) {
      // A require() message (Error(string)) is answered as its text.
      if (reverted.reason) return reverted.reason
      if (reverted.data?.errorName) return reverted.data.errorName
      if (reverted.raw) return decodeErrorResult({ abi: ALL_ERRORS, data: reverted.raw }).errorName
      return 'revert without data'
    }
    throw error
  }
  throw new Error(`${functionName} did not revert`)
}

/** The settlement contract's events in a receipt, by name. */
export function eventsOf(receipt: TransactionReceipt, eventName?: string) {
  const logs = parseEventLogs({ abi: [...BATCH_SETTLEMENT_ABI, ...PERMIT2_DEPOSIT_COLLECTOR_ABI], logs: receipt.logs })
  return eventName === undefined ? logs : logs.filter((log) => log.eventName === eventName)
}

export async function tokenBalance(client: AnvilClient, token: Address, holder: Address): Promise<bigint> {
  return client.readContract({ address: token, abi: TEST_USDC_ABI, functionName: 'balanceOf', args: [holder] })
}

/** deposit() arguments for an ERC-3009 deposit the payer signs (TestUSDC's domain: USDC, version 2). */
export async function erc3009DepositArgs(client: AnvilClient, config: ChannelConfig, amount: bigint, payer: LocalAccount, salt = BigInt(randomSalt())) {
  const chainId = client.chain.id
  const channelId = channelIdOf(config, chainId)
  const terms = { payer: config.payer, amount, validAfter: 0n, validBefore: BigInt(Math.floor(Date.now() / 1000) + 3600), salt }
  const signature = await payer.signTypedData(erc3009DepositTypedData(terms, channelId, { address: config.token, name: 'USDC', version: '2', chainId }))
  return [config, amount, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, erc3009CollectorData(terms, signature)] as const
}

/** deposit() arguments for a Permit2 deposit the payer signs (it must have approved Permit2 for the token). */
export async function permit2DepositArgs(client: AnvilClient, config: ChannelConfig, amount: bigint, payer: LocalAccount, eip2612PermitData: Hex = '0x') {
  const chainId = client.chain.id
  const terms = { token: config.token, amount, nonce: BigInt(randomSalt()), deadline: BigInt(Math.floor(Date.now() / 1000) + 3600) }
  const signature = await payer.signTypedData(permit2DepositTypedData(terms, channelIdOf(config, chainId), chainId))
  return [config, amount, PERMIT2_DEPOSIT_COLLECTOR_ADDRESS, permit2CollectorData(terms, signature, eip2612PermitData)] as const
}

/** A claim row: a voucher for `maxClaimableAmount` signed by `signer`, claiming `totalClaimed` (default: all of it). */
export async function claimRow(client: AnvilClient, config: ChannelConfig, maxClaimableAmount: bigint, signer: LocalAccount, totalClaimed = maxClaimableAmount): Promise<VoucherClaim> {
  const signature = await signer.signTypedData(voucherTypedData({ channelId: channelIdOf(config, client.chain.id), maxClaimableAmount }, client.chain.id))
  return { voucher: { channel: config, maxClaimableAmount }, signature, totalClaimed }
}

/** Moves the chain's clock on by `seconds` and mines a block. */
export async function advanceTime(client: AnvilClient, seconds: number): Promise<void> {
  const request = client.request as (args: { method: string; params: unknown[] }) => Promise<unknown>
  await request({ method: 'evm_increaseTime', params: [seconds] })
  await request({ method: 'evm_mine', params: [] })
}

/** Fixes the next block's timestamp (unix seconds), so that a time-window boundary is tested exactly. */
export async function setNextBlockTime(client: AnvilClient, timestamp: bigint, mineNow = false): Promise<void> {
  const request = client.request as (args: { method: string; params: unknown[] }) => Promise<unknown>
  await request({ method: 'evm_setNextBlockTimestamp', params: [Number(timestamp)] })
  if (mineNow) await request({ method: 'evm_mine', params: [] })
}

/**
 * A chain with the test USDC and the batch-settlement contracts, and the cast of a channel: the payer (funded), the
 * receiver and its authorizer, the payer's voucher key, a relayer that sends others' signatures, and a stranger.
 */
export async function startBatchCast(): Promise<BatchCast> {
  return castOf(await startUsdcChain({ fund: BATCH_CAST_FUND }))
}

/** What the payer holds in a batch cast: 10 USDC. */
export const BATCH_CAST_FUND = 10_000_000n

export type BatchCast = ReturnType<typeof castOf>

/** The cast of a channel on `chain` (see startBatchCast). */
export function castOf(chain: UsdcChain) {
  const { anvil } = chain
  const receiverAuthorizer = anvil.accounts[3]!
  const voucherKey = privateKeyToAccount(anvil.privateKeys[4]!)
  return {
    anvil,
    owner: chain.owner,
    token: chain.token,
    payer: chain.buyer,
    payerClient: anvilClient(anvil, chain.buyer),
    receiver: chain.payTo,
    receiverClient: anvilClient(anvil, anvil.accounts[2]!),
    receiverAuthorizer,
    authorizerClient: anvilClient(anvil, receiverAuthorizer),
    voucherKey,
    voucherKeyClient: anvilClient(anvil, voucherKey),
    relayer: anvilClient(anvil, anvil.accounts[5]!),
    stranger: anvilClient(anvil, anvil.accounts[7]!),
  }
}
