// How a node's refusal of a raw transaction reads: already known (the same bytes: as good as sent), its nonce
// taken or gone, its fees too low (both: not taken, so it may be signed again), or anything else. Nodes word
// these differently; these are geth's, anvil's, reth's, erigon's and nethermind's phrases.
import { BaseError } from 'viem'

export type SendOutcome = 'known' | 'nonce' | 'fees' | 'other'

const KNOWN = /already known|already imported|known transaction|AlreadyKnown/i
const NONCE = /nonce too low|nonce has already been used|replacement transaction underpriced|invalid nonce|OldNonce|nonce.*(?:lower|expired)/i
const FEES = /(?:max )?fee (?:per gas|cap) (?:is )?(?:less|lower) than (?:the )?block base fee|transaction underpriced|fee too low|FeeTooLow/i

function textOf(error: unknown): string {
  if (error instanceof BaseError) {
    let text = `${error.message} ${error.details ?? ''}`
    error.walk((inner) => {
      if (inner instanceof BaseError) text += ` ${inner.details ?? ''}`
      return false
    })
    return text
  }
  return String(error instanceof Error ? error.message : error)
}

export function refusalKind(error: unknown): SendOutcome {
  const text = textOf(error)
  if (KNOWN.test(text)) return 'known'
  if (NONCE.test(text)) return 'nonce'
  if (FEES.test(text)) return 'fees'
  return 'other'
}

