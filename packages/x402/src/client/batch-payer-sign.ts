// What a batch-settlement buyer signs: a cumulative voucher, a deposit authorization (ERC-3009
// ReceiveWithAuthorization to the deposit collector, or a Permit2 witness transfer), and the payment payloads
// (deposit, voucher, refund) as the spec and wire.ts shape them, encoded as the PAYMENT-SIGNATURE header value.
import type { Hex } from 'viem'
import { encodeBase64Json } from '../codec/base64.js'
import type { PaymentPayload } from '../codec/types.js'
import { PERMIT2_DEPOSIT_COLLECTOR_ADDRESS, type ChannelConfig } from '../evm/batch-settlement/constants.js'
import { erc3009DepositTypedData, permit2DepositTypedData } from '../evm/batch-settlement/deposit-authorization.js'
import { voucherTypedData } from '../evm/batch-settlement/typed-data.js'
import type { BatchPayloadWire, DepositAuthorizationWire, VoucherWire } from '../evm/batch-settlement/wire.js'
import { randomNonce, type ExactPayerAccount } from '../evm/signer.js'
import type { BatchTerms } from './batch-offer.js'
import type { Offer } from './types.js'

export async function signVoucher(signer: ExactPayerAccount, channelId: Hex, maxClaimableAmount: bigint, chainId: number): Promise<VoucherWire> {
  const signature = await signer.signTypedData(voucherTypedData({ channelId, maxClaimableAmount }, chainId))
  return { channelId, maxClaimableAmount: maxClaimableAmount.toString(), signature }
}

/** The payer's authorization to move `amount` into the channel, by the method the offer asks (ERC-3009 by default). */
export async function signDeposit(account: ExactPayerAccount, terms: BatchTerms, config: ChannelConfig, channelId: Hex, amount: bigint, validForSeconds: number): Promise<DepositAuthorizationWire> {
  const until = BigInt(Math.floor(Date.now() / 1000) + validForSeconds)
  if (terms.method === 'permit2') {
    const permit = { token: terms.token, amount, nonce: BigInt(randomNonce()), deadline: until }
    const signature = await account.signTypedData(permit2DepositTypedData(permit, channelId, terms.chainId))
    return {
      permit2Authorization: {
        from: config.payer,
        permitted: { token: terms.token, amount: amount.toString() },
        spender: PERMIT2_DEPOSIT_COLLECTOR_ADDRESS,
        nonce: permit.nonce.toString(),
        deadline: until.toString(),
        witness: { channelId },
        signature,
      },
    }
  }
  const salt = randomNonce()
  const authorization = { payer: config.payer, amount, validAfter: 0n, validBefore: until, salt: BigInt(salt) }
  const token = { address: terms.token, name: terms.name, version: terms.version, chainId: terms.chainId }
  const signature = await account.signTypedData(erc3009DepositTypedData(authorization, channelId, token))
  return { erc3009Authorization: { validAfter: '0', validBefore: until.toString(), salt, signature } }
}

/** The PAYMENT-SIGNATURE value carrying a batch-settlement payload for the offer. */
export function encodeBatchProof(offer: Offer, payload: BatchPayloadWire): string {
  const paymentPayload: PaymentPayload = {
    x402Version: 2,
    resource: offer.resource,
    accepted: offer.requirements,
    payload: payload as unknown as PaymentPayload['payload'],
  }
  return encodeBase64Json(paymentPayload)
}
