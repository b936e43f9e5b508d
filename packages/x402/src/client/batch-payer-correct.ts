// How a batch-settlement buyer learns its channel's state when its own is missing or behind: from the chain
// (`readChannel`: what was deposited and claimed) and from a seller's corrective 402, which is adopted only when
// its voucher is one we signed and what it says we were charged is within that voucher.
import type { Address, Hex, PublicClient } from 'viem'
import { readChannel } from '../evm/batch-settlement/channel-state.js'
import type { ChannelConfig } from '../evm/batch-settlement/constants.js'
import { verifyVoucherSignature } from '../evm/batch-settlement/voucher-verify.js'
import { TollgateError } from '../errors.js'
import { sameChannelTerms, type BatchTerms } from './batch-offer.js'
import type { BuyerChannel } from './batch-channel-store.js'
import type { PaymentDemand } from './types.js'

export type ChainReader = Pick<PublicClient, 'readContract'>

/** One channel of one offer, as the payer works on it. */
export interface ChannelContext {
  terms: BatchTerms
  config: ChannelConfig
  channelId: Hex
  /** The address that signs our vouchers (the config's payer authorizer). */
  voucherSigner: Address
  chain: ChainReader
}

/** The channel as the chain has it, for a buyer with no record of it: charged so far is what was claimed. */
export async function channelFromChain(context: ChannelContext, resource: string): Promise<BuyerChannel> {
  const snapshot = await readChain(context)
  return {
    channelId: context.channelId,
    network: context.terms.network,
    resource,
    config: context.config,
    charged: snapshot.totalClaimed.toString(),
    signed: snapshot.totalClaimed.toString(),
    balance: snapshot.balance.toString(),
    updatedAt: Date.now(),
  }
}

/**
 * The channel as a 402 answering one of our payments corrects it, or undefined when it corrects nothing. With the
 * seller's last voucher (`extra.voucherState`), its `chargedCumulativeAmount` is adopted once the voucher checks
 * out; without one, what the chain says was claimed is. Throws `channel_correction_refused` (nothing is signed then).
 */
export async function correctedChannel(context: ContextWithChannel, demand: PaymentDemand): Promise<BuyerChannel | undefined> {
  const { channel, channelId, terms } = context
  const offer = demand.offers.find((candidate) => sameChannelTerms(candidate, terms) && channelIdIn(candidate.requirements.extra) === channelId.toLowerCase())
  const extra = (offer?.requirements.extra ?? {}) as { channelState?: Record<string, unknown>; voucherState?: Record<string, unknown> }
  const snapshot = await readChain(context)
  const onChain = { ...channel, balance: snapshot.balance.toString(), updatedAt: Date.now() }
  const voucher = extra.voucherState
  if (offer === undefined || voucher?.signature === undefined) {
    // No voucher to check: the chain is the only baseline we trust. It corrects us only when it differs.
    const claimed = snapshot.totalClaimed
    if (claimed <= BigInt(channel.charged) && onChain.balance === channel.balance) return undefined
    const charged = claimed > BigInt(channel.charged) ? claimed : BigInt(channel.charged)
    return { ...onChain, charged: charged.toString(), signed: max(BigInt(channel.signed), charged).toString() }
  }
  const signed = atomic(voucher.signedMaxClaimable)
  const charged = atomic(extra.channelState?.chargedCumulativeAmount)
  const signature = typeof voucher.signature === 'string' ? (voucher.signature as Hex) : undefined
  if (signed === undefined || charged === undefined || signature === undefined) {
    throw refusal(channelId, `its channel state is not readable (signedMaxClaimable ${String(voucher.signedMaxClaimable)}, chargedCumulativeAmount ${String(extra.channelState?.chargedCumulativeAmount)})`)
  }
  const ours = await verifyVoucherSignature({ channelId, maxClaimableAmount: signed, signature, signer: context.voucherSigner, chainId: terms.chainId })
  if (!ours) throw refusal(channelId, `its voucher for ${signed} is not one we signed`)
  if (charged > signed) throw refusal(channelId, `it says we were charged ${charged}, more than the ${signed} our voucher allows`)
  const baseline = charged > snapshot.totalClaimed ? charged : snapshot.totalClaimed
  return { ...onChain, charged: baseline.toString(), signed: max(BigInt(channel.signed), signed).toString() }
}

export interface ContextWithChannel extends ChannelContext {
  channel: BuyerChannel
}

async function readChain(context: ChannelContext) {
  try {
    return await readChannel(context.chain, context.channelId)
  } catch (cause) {
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause)
    throw new TollgateError('payer_error', `Could not read batch-settlement channel ${context.channelId} on ${context.terms.network}: ${why}`, { channelId: context.channelId }, { cause })
  }
}

function channelIdIn(extra: Record<string, unknown> | undefined): string | undefined {
  const state = extra?.channelState as { channelId?: unknown } | undefined
  return typeof state?.channelId === 'string' ? state.channelId.toLowerCase() : undefined
}

function atomic(value: unknown): bigint | undefined {
  return typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value) : undefined
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}

function refusal(channelId: Hex, why: string): TollgateError {
  return new TollgateError(
    'channel_correction_refused',
    `The seller's corrective 402 for batch-settlement channel ${channelId} was refused: ${why}. Nothing more was signed.`,
    { channelId, reason: why },
  )
}
