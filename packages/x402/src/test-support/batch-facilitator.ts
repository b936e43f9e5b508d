// Test helpers for localFacilitator's batch-settlement path on anvil: the offer, what the engine hands the
// facilitator for a payload, and the buyer's and seller's payloads (deposits, vouchers, claim rows) of a cast's
// channel (startBatchCast), signed with the bindings in evm/batch-settlement.
import { getAddress, zeroAddress, type Address, type Hex, type LocalAccount } from 'viem'
import type { PaymentRequirements } from '../codec/types.js'
import type { SettleRequest } from '../facilitator/types.js'
import {
  channelIdOf,
  erc3009DepositTypedData,
  PERMIT2_DEPOSIT_COLLECTOR_ADDRESS,
  permit2DepositTypedData,
  readChannel,
  voucherTypedData,
  type BatchPayloadWire,
  type ChannelConfig,
  type ChannelConfigWire,
  type FacilitatorSettlePayloadWire,
  type VoucherClaimWire,
} from '../evm/batch-settlement/index.js'
import { channelConfig, randomSalt, tokenBalance, type startBatchCast } from './batch-channel.js'

type Cast = Awaited<ReturnType<typeof startBatchCast>>

export const wire = (config: ChannelConfig): ChannelConfigWire => ({ ...config })

/** The payloads and reads of `cast`'s channels, on its chain. */
export function batchKit(cast: Cast) {
  const chainId = cast.anvil.chainId
  const network = `eip155:${chainId}` as const
  const token = getAddress(cast.token)

  function offer(overrides: Partial<PaymentRequirements> = {}, extra: Record<string, unknown> = {}): PaymentRequirements {
    return {
      scheme: 'batch-settlement',
      network,
      amount: '1000',
      asset: token,
      payTo: cast.receiver,
      maxTimeoutSeconds: 300,
      ...overrides,
      extra: { name: 'USDC', version: '2', receiverAuthorizer: cast.receiverAuthorizer.address, withdrawDelay: 900, ...extra },
    }
  }

  /** What the engine (or the seller's scheduler) hands the facilitator for `payload` under `requirements`. */
  function requestFor(payload: BatchPayloadWire | FacilitatorSettlePayloadWire | Record<string, unknown>, requirements = offer()): SettleRequest {
    const paymentPayload = { x402Version: 2 as const, accepted: requirements, payload: payload as unknown as Record<string, unknown> }
    return {
      x402Version: 2,
      token: 'not-read',
      proof: { x402Version: 2, header: '', raw: '', payload: paymentPayload },
      requirements,
      paymentRequired: { x402Version: 2, resource: { url: 'http://localhost/paid' }, accepts: [requirements] },
      amount: requirements.amount ?? '0',
      verification: { isValid: true },
    }
  }

  /** A channel of the cast: the payer deposits, the voucher key signs, the cast's receiver authorizer authorizes. */
  function newChannel(overrides: Partial<ChannelConfig> = {}): ChannelConfig {
    return channelConfig({ payer: cast.payer.address, payerAuthorizer: cast.voucherKey.address, receiver: cast.receiver, receiverAuthorizer: cast.receiverAuthorizer.address, token, ...overrides })
  }

  /** Who signs the channel's vouchers: its payer authorizer, or the payer when that is zero. */
  const voucherSigner = (config: ChannelConfig): LocalAccount => (config.payerAuthorizer === zeroAddress ? cast.payer : cast.voucherKey)

  async function voucher(config: ChannelConfig, amount: bigint, signer = voucherSigner(config), channelId = channelIdOf(config, chainId)) {
    const signature = await signer.signTypedData(voucherTypedData({ channelId, maxClaimableAmount: amount }, chainId))
    return { channelId, maxClaimableAmount: amount.toString(), signature }
  }

  async function erc3009Deposit(config: ChannelConfig, amount: bigint, first: bigint, options: { signer?: LocalAccount; validBefore?: bigint } = {}) {
    const channelId = channelIdOf(config, chainId)
    const salt = BigInt(randomSalt())
    const validBefore = options.validBefore ?? BigInt(Math.floor(Date.now() / 1000) + 3600)
    const terms = { payer: config.payer, amount, validAfter: 0n, validBefore, salt }
    const signature = await (options.signer ?? cast.payer).signTypedData(erc3009DepositTypedData(terms, channelId, { address: token, name: 'USDC', version: '2', chainId }))
    const erc3009Authorization = { validAfter: '0', validBefore: validBefore.toString(), salt: `0x${salt.toString(16)}` as Hex, signature }
    return { type: 'deposit' as const, channelConfig: wire(config), voucher: await voucher(config, first), deposit: { amount: amount.toString(), authorization: { erc3009Authorization } } }
  }

  async function permit2Deposit(config: ChannelConfig, amount: bigint, first: bigint, payer: LocalAccount, permitted = amount) {
    const channelId = channelIdOf(config, chainId)
    const terms = { token, amount: permitted, nonce: BigInt(randomSalt()), deadline: BigInt(Math.floor(Date.now() / 1000) + 3600) }
    const signature = await payer.signTypedData(permit2DepositTypedData(terms, channelId, chainId))
    const permit2Authorization = {
      from: payer.address,
      permitted: { token, amount: permitted.toString() },
      spender: PERMIT2_DEPOSIT_COLLECTOR_ADDRESS,
      nonce: terms.nonce.toString(),
      deadline: terms.deadline.toString(),
      witness: { channelId },
      signature,
    }
    return { type: 'deposit' as const, channelConfig: wire(config), voucher: await voucher(config, first), deposit: { amount: amount.toString(), authorization: { permit2Authorization } } }
  }

  async function claimOf(config: ChannelConfig, amount: bigint, totalClaimed = amount, signer?: LocalAccount): Promise<VoucherClaimWire> {
    const signed = await voucher(config, amount, signer)
    return { voucher: { channel: wire(config), maxClaimableAmount: amount.toString() }, signature: signed.signature, totalClaimed: totalClaimed.toString() }
  }

  const stateOf = (channelId: Hex) => readChannel(cast.owner, channelId)
  const balanceOf = (holder: Address) => tokenBalance(cast.owner, token, holder)

  return { chainId, network, token, offer, requestFor, newChannel, voucher, erc3009Deposit, permit2Deposit, claimOf, stateOf, balanceOf }
}
