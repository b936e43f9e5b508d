// The batch-settlement scheme on EVM: the contracts' canonical addresses, the EIP-712 domain and the channel
// config, as the x402 specification (scheme_batch_settlement_evm.md) and the reference `@x402/evm` name them.
import type { Address, Hex } from 'viem'

export const BATCH_SETTLEMENT_SCHEME = 'batch-settlement'

/** x402BatchSettlement, at the same address on every chain the reference deploys to (CREATE2). */
export const BATCH_SETTLEMENT_ADDRESS: Address = '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003'
/** Deposits by ERC-3009 `receiveWithAuthorization`: the `to` the payer signs. */
export const ERC3009_DEPOSIT_COLLECTOR_ADDRESS: Address = '0x4020806089470a89826cB9fB1f4059150b550004'
/** Deposits by Permit2 `permitWitnessTransferFrom`: the `spender` the payer signs. */
export const PERMIT2_DEPOSIT_COLLECTOR_ADDRESS: Address = '0x4020425FAf3B746C082C2f942b4E5159887B0005'

/** Multicall3, through which the reference batch-settlement facilitator reads channel state. */
export const MULTICALL3_ADDRESS: Address = '0xcA11bde05977b3631167028862bE2a173976CA11'

/** The EIP-712 domain of channel ids, vouchers, refunds and claim batches (plus chainId and the contract). */
export const BATCH_SETTLEMENT_DOMAIN = { name: 'x402 Batch Settlement', version: '1' } as const

/** The bounds the contract puts on `withdrawDelay`, in seconds: 15 minutes to 30 days. */
export const MIN_WITHDRAW_DELAY = 900
export const MAX_WITHDRAW_DELAY = 2_592_000

/** A channel's immutable parameters; its id is their EIP-712 hash (see `channelIdOf`). */
export interface ChannelConfig {
  /** Whose tokens are deposited and refunded. */
  payer: Address
  /** The EOA that signs vouchers, or the zero address to have `payer` sign (ERC-1271 wallets). */
  payerAuthorizer: Address
  /** Who is paid (the offer's `payTo`). */
  receiver: Address
  /** Who authorizes claims and refunds (the offer's `extra.receiverAuthorizer`). */
  receiverAuthorizer: Address
  /** The ERC-20 (the offer's `asset`). */
  token: Address
  /** Seconds between `initiateWithdraw` and `finalizeWithdraw` (the offer's `extra.withdrawDelay`). */
  withdrawDelay: number
  /** Tells apart channels whose other fields are the same. */
  salt: Hex
}

/** One row of `claim` / `claimWithSignature`: a payer-signed voucher and the cumulative total claimed with it. */
export interface VoucherClaim {
  voucher: { channel: ChannelConfig; maxClaimableAmount: bigint }
  /** The payer (or payer authorizer) signature of the Voucher. */
  signature: Hex
  /** The channel's new cumulative claimed amount: at most `maxClaimableAmount`. */
  totalClaimed: bigint
}
