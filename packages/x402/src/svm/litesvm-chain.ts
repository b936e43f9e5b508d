// The SVM chain interface over LiteSVM (the Solana runtime in process, with the SPL Token programs): a real chain
// for tests and the demo, no validator and no network. Sends are processed at once, so confirm reads the history.
import { getTransactionDecoder, type Address, type Signature } from '@solana/kit'
import type { FailedTransactionMetadata, LiteSVM, TransactionMetadata } from 'litesvm'
import type { ChainOutcome, SvmChain } from './chain.js'
import { SOLANA_DEVNET } from './constants.js'
import { toBase58 } from './wire.js'

const transactions = getTransactionDecoder()

/** `svm` as an SvmChain on `network` (default Solana devnet: the demo's USDC mint is devnet's). */
export function liteSvmChain(svm: LiteSVM, network: string = SOLANA_DEVNET): SvmChain {
  return {
    network,
    async accountExists(address) {
      return svm.getAccount(address as Address).exists
    },
    async simulate(wire) {
      // The fee payer has not signed yet: simulate without signature checks, as an RPC's sigVerify: false does.
      svm.withSigverify(false)
      try {
        const result = svm.simulateTransaction(transactions.decode(wire))
        return 'err' in result ? failure(result as FailedTransactionMetadata) : { ok: true }
      } finally {
        svm.withSigverify(true)
      }
    },
    async send(wire) {
      const result = svm.sendTransaction(transactions.decode(wire))
      if ('err' in result) return failure(result)
      return { ok: true, signature: toBase58(result.signature()) }
    },
    async confirm(signature) {
      const found = svm.getTransaction(signature as Signature)
      if (found === null) return { ok: false, error: 'the transaction is unknown to the chain' }
      return 'err' in found ? failure(found as FailedTransactionMetadata) : { ok: true }
    },
  }
}

/** A failed LiteSVM transaction's error in words, and whether it is the blockhash that expired. */
export function failure(result: FailedTransactionMetadata): ChainOutcome {
  const error = describeError(result.err())
  return { ok: false, error, ...(/BlockhashNotFound/i.test(error) ? { blockhashExpired: true } : {}) }
}

function describeError(err: unknown): string {
  if (typeof err === 'number') return TRANSACTION_ERRORS[err] ?? `TransactionError ${err}`
  if (err && typeof err === 'object') {
    const name = err.constructor?.name ?? 'TransactionError'
    const text = String(err)
    return text === '[object Object]' ? name : `${name}: ${text}`
  }
  return String(err)
}

// LiteSVM's TransactionErrorFieldless, by value (litesvm 1.5).
const TRANSACTION_ERRORS: Record<number, string> = {
  0: 'AccountInUse', 1: 'AccountLoadedTwice', 2: 'AccountNotFound', 3: 'ProgramAccountNotFound',
  4: 'InsufficientFundsForFee', 5: 'InvalidAccountForFee', 6: 'AlreadyProcessed', 7: 'BlockhashNotFound',
  8: 'CallChainTooDeep', 9: 'MissingSignatureForFee', 10: 'InvalidAccountIndex', 11: 'SignatureFailure',
}

export type { TransactionMetadata }
