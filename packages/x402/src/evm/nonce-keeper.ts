// The settler's account nonces, kept here rather than asked of the node for every transaction: learned once from
// the node (its pending count, which stops at the first gap), then handed out locally. After any failed send the
// keeper forgets, and the next transactions learn again: a nonce left unused by a failed send is then the
// node's pending count, so the next transaction fills that gap, and one that clashes is sent again with the next.
import type { Address, Client } from 'viem'
import { getTransactionCount } from 'viem/actions'

export interface NonceKeeper {
  /** Resolves once a nonce is known (asks the node when none is). */
  ready(): Promise<void>
  /** `count` consecutive nonces; the first is returned. Only after `ready()`. */
  take(count: number): number
  /** Ask the node again before the next transaction. */
  forget(): void
}

export function nonceKeeper(client: Client, address: Address): NonceKeeper {
  let next: number | undefined
  let learning: Promise<void> | undefined
  return {
    ready() {
      if (next !== undefined) return Promise.resolve()
      learning ??= getTransactionCount(client, { address, blockTag: 'pending' })
        .then((count) => {
          next = count
        })
        .finally(() => {
          learning = undefined
        })
      return learning
    },
    take(count) {
      if (next === undefined) throw new Error('nonceKeeper.take before ready')
      const first = next
      next += count
      return first
    },
    forget() {
      next = undefined
    },
  }
}
