// The fees a settlement offers, read from the chain and reused for a block: every settlement of that block is
// signed with them, without a round trip of its own. The cap is twice the base fee (plus the tip), which stays
// above the base fee for six full blocks in a row; so a value a little older is still used while a fresh one is read.
import { hexToBigInt, type Client, type Hex } from 'viem'
import { getBlock, getGasPrice } from 'viem/actions'

export type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint }

export interface FeeCache {
  /** The fees to sign with now. */
  current(): Promise<Fees>
  /** Read them again before the next transaction (the node refused them as too low). */
  forget(): void
}

/** Used as they are for this long (about a block). */
export const FEES_FRESH_MS = 2_000
/** Used while a fresh read runs for this long; older ones are waited for. */
export const FEES_USABLE_MS = 12_000
const FALLBACK_TIP = 1_000_000_000n // 1 gwei, for nodes without eth_maxPriorityFeePerGas

export function feeCache(client: Client, clock: () => number = Date.now): FeeCache {
  let cached: { fees: Fees; at: number } | undefined
  let reading: Promise<Fees> | undefined
  function read(): Promise<Fees> {
    reading ??= readFees(client)
      .then((fees) => {
        cached = { fees, at: clock() }
        return fees
      })
      .finally(() => {
        reading = undefined
      })
    return reading
  }
  return {
    current() {
      const age = cached ? clock() - cached.at : Infinity
      if (cached && age <= FEES_FRESH_MS) return Promise.resolve(cached.fees)
      if (cached && age <= FEES_USABLE_MS) {
        read().catch(() => undefined) // the next caller asks again
        return Promise.resolve(cached.fees)
      }
      return read()
    },
    forget() {
      cached = undefined
    },
  }
}

async function readFees(client: Client): Promise<Fees> {
  const [block, tip] = await Promise.all([
    getBlock(client, { blockTag: 'latest' }),
    client.request({ method: 'eth_maxPriorityFeePerGas' } as never).then(
      (answer) => hexToBigInt(answer as Hex),
      () => FALLBACK_TIP,
    ),
  ])
  if (block.baseFeePerGas === null || block.baseFeePerGas === undefined) return { gasPrice: await getGasPrice(client) }
  return { maxFeePerGas: block.baseFeePerGas * 2n + tip, maxPriorityFeePerGas: tip }
}
