// The facilitator's settle of a deposit: checked again as at verify, sent through the collector the authorization
// names (the settler pays the gas), and answered with the deposited amount and the channel as it is after. A deposit
// whose transaction went out without a receipt in time is answered settlement_pending; the same payload asked again
// is answered about that transaction (its authorization cannot be used twice anyway).
import type { PublicClient } from 'viem'
import type { SettleResult } from '../../facilitator/types.js'
import { settleFailure } from '../chain-calls.js'
import { chainRead, once, resumeSent, sendCall, unsent, type BatchContext, type Sent } from './chain-send.js'
import { channelStateExtra, type BatchOffer } from './channel-rules.js'
import { readChannel, type ChannelSnapshot } from './channel-state.js'
import { checkDeposit } from './deposit-verify.js'
import { BATCH_REASONS as REASONS } from './reasons.js'
import type { DepositPayloadWire } from './wire.js'

export async function settleDeposit(ctx: BatchContext, payload: DepositPayloadWire, offer: BatchOffer, chainId: number, signal: AbortSignal): Promise<SettleResult> {
  const failed = settleFailure(offer.network)
  const payer = payload.channelConfig.payer
  const auth = payload.deposit.authorization
  const key = `${chainId}:batch-deposit:${(auth.erc3009Authorization ?? auth.permit2Authorization)!.signature}`.toLowerCase()
  const busy = () => failed(REASONS.depositTransactionFailed, 'This deposit authorization is being settled already.', payer)
  return once(ctx, key, busy, async () => {
    const amount = BigInt(payload.deposit.amount)
    let sent: Sent | undefined = await resumeSent(ctx, key, 'deposit', signal)
    let expected: ChannelSnapshot | undefined
    if (sent === undefined) {
      const checked = await checkDeposit(ctx, payload, offer, chainId, signal)
      if (!checked.ok) return failed(checked.reason, checked.message, payer)
      sent = await sendCall(ctx, key, checked.call, signal)
      // The deposit is on chain: a failed read after it must not hide that, so the snapshot is then computed.
      expected = { ...checked.snapshot, balance: checked.snapshot.balance + amount }
    }
    if (sent.ok !== true) return unsent(sent, failed, REASONS.depositTransactionFailed, payer)
    const read = chainRead('the channel', signal, () => readChannel(ctx.client as PublicClient, payload.voucher.channelId))
    const after = expected ? await read.catch(() => expected) : await read
    return { success: true, transaction: sent.hash, network: offer.network, payer, amount: amount.toString(), extra: { channelState: channelStateExtra(after) } }
  })
}
