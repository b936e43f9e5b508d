// How transactions leave the settler's account. A local account's are signed here, with nonces kept here
// (nonce-keeper.ts) and fees reused for a block (fee-cache.ts), and sent in waves: while one wave of
// eth_sendRawTransaction calls is out, the transactions that come meanwhile wait and then go together, one call
// each, in nonce order. So a settlement costs one round trip to send, however many are being sent.
// A settlement whose caller gave up while it waited (the engine's deadline: the client already has its 504) is
// not sent at all: sending it then would charge a payer for a request that failed.
// The rest (an account that signs remotely; the reorg watch's re-settling with viem's writeContract) runs alone in
// its turn, between waves, and the nonces are learned again after it.
import { keccak256, type Account, type Address, type Client, type Hex } from 'viem'
import { estimateGas, sendRawTransaction, sendTransaction } from 'viem/actions'
import { feeCache, type Fees } from './fee-cache.js'
import { nonceKeeper } from './nonce-keeper.js'
import { refusalKind } from './send-refusals.js'
import type { SentTransaction } from './rebroadcast.js'
import type { SettlerLease } from './settler-lease.js'

/** A call to send: the contract, its calldata, and the gas it was estimated to use (estimated here when absent). */
export interface TransactionCall {
  to: Address
  data: Hex
  gas?: bigint
}

export interface SubmissionLane {
  /** Sends `call` from the settler; resolves once the node accepted it, with its hash and signed bytes. */
  send(signal: AbortSignal, call: TransactionCall): Promise<SentTransaction>
  /** Runs `submit` alone, after what was queued before it (for sends this lane does not sign). */
  submitInTurn<T>(signal: AbortSignal, submit: () => Promise<T>): Promise<T>
}

// Room above the estimate: the chain's state moves between the estimate and the block (a balance slot that was 0).
const gasWithMargin = (gas: bigint) => gas + gas / 4n
// A transaction the node refused for its nonce or fees is signed again this many times in all.
const MAX_ATTEMPTS = 4
const MAX_WAVE = 256

interface Waiting {
  signal: AbortSignal
  reject: (reason: unknown) => void
  /** Stops listening for the abort (the job left the queue). */
  detach: () => void
}
interface SendJob extends Waiting {
  kind: 'send'
  call: Required<TransactionCall>
  attempts: number
  resolve: (sent: SentTransaction) => void
}
interface TurnJob extends Waiting {
  kind: 'turn'
  run: () => Promise<void>
}
type Job = SendJob | TurnJob

/** `lease`: the settler key's lease among instances (settler-lease.ts), when they share a Store. */
export function submissionLane(client: Client, account: Account, chainId: () => Promise<number>, lease?: SettlerLease): SubmissionLane {
  const nonces = nonceKeeper(client, account.address)
  const fees = feeCache(client)
  const queue: Job[] = []
  let pumping = false

  function enqueue(job: Job, front = false): void {
    const onAbort = () => {
      const at = queue.indexOf(job)
      if (at < 0) return
      queue.splice(at, 1)
      job.reject(job.signal.reason)
    }
    job.signal.addEventListener('abort', onAbort, { once: true })
    job.detach = () => job.signal.removeEventListener('abort', onAbort)
    if (front) queue.unshift(job)
    else queue.push(job)
    if (!pumping) void pump()
  }

  async function pump(): Promise<void> {
    pumping = true
    try {
      while (queue.length > 0) {
        const head = queue[0]!
        if (head.kind === 'turn') {
          queue.shift()
          head.detach()
          const refused = await holdLease()
          if (refused) head.reject(refused.error)
          else await head.run()
          continue
        }
        let end = 1
        while (end < queue.length && end < MAX_WAVE && queue[end]!.kind === 'send') end++
        const wave = queue.splice(0, end) as SendJob[]
        for (const job of wave) job.detach()
        await sendWave(wave)
      }
    } finally {
      pumping = false
    }
  }

  /** Undefined when this instance may send from the key (learning its nonces again if it has just taken it). */
  async function holdLease(): Promise<{ error: unknown } | undefined> {
    if (!lease) return undefined
    try {
      if ((await lease.hold()) === 'acquired') nonces.forget()
      return undefined
    } catch (error) {
      return { error }
    }
  }

  async function sendWave(wave: SendJob[]): Promise<void> {
    let offer: Fees
    let id: number
    const refused = await holdLease()
    if (refused) {
      for (const job of wave) job.reject(refused.error)
      return
    }
    try {
      ;[offer, id] = await Promise.all([fees.current(), chainId(), nonces.ready()])
    } catch (error) {
      nonces.forget()
      for (const job of wave) job.reject(error)
      return
    }
    const live = wave.filter((job) => !job.signal.aborted || (job.reject(job.signal.reason), false))
    if (live.length === 0) return
    // From taking the nonces to sending, nothing waits on anything but local signing: no abort falls in between.
    const first = nonces.take(live.length)
    let signed: Hex[]
    try {
      signed = await Promise.all(live.map((job, i) => sign(job.call, first + i, offer, id)))
    } catch (error) {
      // A signer that failed (a remote key service) sent nothing: the nonces taken are learned again, and every
      // caller of the wave hears of it instead of waiting for an answer that would never come.
      nonces.forget()
      for (const job of live) job.reject(error)
      return
    }
    const answers = await Promise.allSettled(signed.map((raw) => sendRawTransaction(client, { serializedTransaction: raw })))
    let gapLeft = false
    const again: SendJob[] = []
    answers.forEach((answer, i) => {
      const job = live[i]!
      const raw = signed[i]!
      const kind = answer.status === 'fulfilled' ? 'accepted' : refusalKind(answer.reason)
      if (kind === 'accepted' || kind === 'known') return job.resolve({ hash: keccak256(raw), raw })
      nonces.forget()
      if (kind === 'fees') fees.forget()
      // Refused for its nonce or fees, it was not taken: signed again with fresh ones. Anything else is the
      // caller's failure; a later nonce of this wave that was taken now waits behind the unused one.
      if ((kind === 'nonce' || kind === 'fees') && job.attempts < MAX_ATTEMPTS) {
        job.attempts++
        again.push(job)
        return
      }
      if (answers.slice(i + 1).some((later) => later.status === 'fulfilled')) gapLeft = true
      job.reject((answer as PromiseRejectedResult).reason)
    })
    for (const job of again.reverse()) enqueue(job, true)
    if (gapLeft && queue.length === 0) fillGap()
  }

  /** A nonce left unused before taken ones: an empty transfer to itself takes it, so that theirs get mined. */
  function fillGap(): void {
    const never = new AbortController().signal
    enqueue({ kind: 'send', call: { to: account.address, data: '0x', gas: 21_000n }, attempts: MAX_ATTEMPTS, signal: never, resolve: () => undefined, reject: () => undefined, detach: () => undefined })
  }

  function sign(call: Required<TransactionCall>, nonce: number, offer: Fees, id: number): Promise<Hex> {
    const base = { chainId: id, nonce, to: call.to, data: call.data, gas: gasWithMargin(call.gas) }
    const transaction = 'gasPrice' in offer ? { ...base, type: 'legacy' as const, gasPrice: offer.gasPrice } : { ...base, type: 'eip1559' as const, ...offer }
    return account.signTransaction!(transaction)
  }

  function submitInTurn<T>(signal: AbortSignal, submit: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason)
      const run = async () => {
        try {
          resolve(await submit())
        } catch (error) {
          reject(error)
        } finally {
          nonces.forget() // it may have used a nonce of this account
        }
      }
      enqueue({ kind: 'turn', run, signal, reject, detach: () => undefined })
    })
  }

  async function send(signal: AbortSignal, call: TransactionCall): Promise<SentTransaction> {
    signal.throwIfAborted()
    const gas = call.gas ?? (await estimateGas(client, { account, to: call.to, data: call.data }))
    if (account.type !== 'local' || !account.signTransaction) {
      const chain = client.chain ?? null
      const hash = await submitInTurn(signal, () => sendTransaction(client, { account, chain, to: call.to, data: call.data, gas: gasWithMargin(gas) }))
      return { hash, raw: undefined }
    }
    signal.throwIfAborted()
    return new Promise<SentTransaction>((resolve, reject) => {
      enqueue({ kind: 'send', call: { ...call, gas }, attempts: 1, signal, resolve, reject, detach: () => undefined })
    })
  }

  return { send, submitInTurn }
}
