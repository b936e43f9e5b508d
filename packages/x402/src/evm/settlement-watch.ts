// After the answer went out: a settlement is watched until it is `finalityDepth` blocks deep. When a
// reorganisation takes its transaction out of the chain, the still-valid authorization is settled again: the same
// signed transaction if it can still be mined, else (its account nonce taken meanwhile) a new transaction for the
// authorization, only once the chain says the authorization is unused. One watcher per authorization: it keeps
// the authorization's place in `inFlight` until it ends, so no second settle of it starts meanwhile.
import type { Account, Client, TransactionReceipt } from 'viem'
import { getBlockNumber, readContract } from 'viem/actions'
import { EIP3009_ABI } from './abi.js'
import { submitTransfer } from './chain-calls.js'
import { sleep } from '../facilitator/abort.js'
import { isKnown, receiptOrNothing, recordingSigner, resend, type SentTransaction } from './rebroadcast.js'
import type { ExactEvmPayload } from './scheme.js'
import type { SettlementEvent } from './settlement-events.js'
import type { ExactTerms } from './verify.js'

export interface WatchContext {
  client: Client
  settler: Account
  now: () => number
  emit: (event: SettlementEvent) => void
  submitInTurn<T>(signal: AbortSignal, submit: () => Promise<T>): Promise<T>
  finalityDepth: number
  pollingMs: number
  /** When to give up in any case, in ms. */
  maxWatchMs: number
}

// A head that stops moving for this long (an automining test chain between transactions, a halted chain) ends the
// watch: polling it for the whole of maxWatchMs would only load the node.
const STALL_MS = 30_000
// The watch is not on anyone's critical path: it polls at a block's pace, not at the receipt poller's.
const MIN_POLL_MS = 500

export interface WatchedSettlement {
  sent: SentTransaction
  receipt: TransactionReceipt
  payload: ExactEvmPayload
  terms: ExactTerms
  /** Called once when the watch ends, however it ends. */
  done: () => void
}

/** Starts watching in the background; never throws (a failed read is asked again at the next poll). */
export function watchSettlement(ctx: WatchContext, settlement: WatchedSettlement): void {
  if (ctx.finalityDepth <= 1) return settlement.done()
  void watch(ctx, settlement).finally(settlement.done)
}

async function watch(ctx: WatchContext, { sent, receipt: first, payload, terms }: WatchedSettlement): Promise<void> {
  const { client, emit } = ctx
  const { from: payer, nonce, validBefore } = payload.authorization
  const about = { network: terms.network, payer }
  const forever = new AbortController().signal
  const giveUpAt = Date.now() + ctx.maxWatchMs
  const pollMs = Math.max(ctx.pollingMs, MIN_POLL_MS)
  let lastHead = -1n
  let movedAt = Date.now()
  // Every transaction sent for this authorization: at most one of them can ever be mined (one EIP-3009 nonce),
  // and a new one is sent only when the ones before can no longer be.
  const sends: SentTransaction[] = [sent]
  let mined: TransactionReceipt | undefined = first
  let resendFailed = false

  while (Date.now() < giveUpAt) {
    await sleep(pollMs, forever, true)
    try {
      const head = await getBlockNumber(client, { cacheTime: 0 })
      if (head !== lastHead) (lastHead = head), (movedAt = Date.now())
      else if (Date.now() - movedAt > STALL_MS) return
      const found = await firstReceipt(client, sends)
      if (found) {
        if (!mined) emit({ type: 'settlement.resettled', transaction: found.transactionHash, replaced: sent.hash, ...about })
        mined = found
        resendFailed = false
        if (head - found.blockNumber + 1n >= BigInt(ctx.finalityDepth)) return
        continue
      }
      if (mined) {
        emit({ type: 'settlement.reorged', transaction: mined.transactionHash, blockNumber: mined.blockNumber, ...about })
        mined = undefined
      }
      const latest = sends[sends.length - 1]!
      if (await isKnown(client, latest.hash)) continue // back in the mempool: it will be mined
      const used = await readContract(client, { address: terms.asset, abi: EIP3009_ABI, functionName: 'authorizationState', args: [payer, nonce] })
      if (used) {
        if (await firstReceipt(client, sends)) continue // ours, mined since we asked: the next poll says so
        return // settled by a transaction that is not ours: the seller is paid all the same
      }
      if (BigInt(ctx.now()) >= BigInt(validBefore)) {
        emit({ type: 'settlement.lost', transaction: sent.hash, reason: 'authorization_expired', ...about })
        return
      }
      if (latest.raw && !resendFailed) {
        try {
          await resend(client, latest.raw)
          continue
        } catch {
          resendFailed = true // its nonce was taken meanwhile: next poll checks the chain again, then sends anew
          continue
        }
      }
      const signer = recordingSigner(ctx.settler)
      const hash = await ctx.submitInTurn(forever, () => submitTransfer(client, signer.account, payload, terms.asset))
      sends.push({ hash, raw: signer.lastSigned() })
      resendFailed = false
    } catch {
      // A failed read or send is tried again at the next poll.
    }
  }
}

async function firstReceipt(client: Client, sends: readonly SentTransaction[]): Promise<TransactionReceipt | undefined> {
  for (const { hash } of sends) {
    const receipt = await receiptOrNothing(client, hash)
    if (receipt?.status === 'success') return receipt
  }
  return undefined
}
