// The settler's gas money. A settlement the node refuses because the settler cannot pay its gas is answered as the
// facilitator's failure (502, nothing charged) naming the settler and its balance, with `settler.insufficient_funds`;
// after settlements the balance is read (in the background, at most every BALANCE_EVERY_MS) and
// `settler.low_balance` says when it fell under the seller's `lowBalanceThreshold`, once per fall.
import { BaseError, InsufficientFundsError, type Account, type Client } from 'viem'
import { getBalance } from 'viem/actions'
import { TollgateError } from '../errors.js'
import type { SettlementEvent } from './settlement-events.js'

const BALANCE_EVERY_MS = 5_000

export interface GasFunds {
  /** The 502 for a send the node refused for lack of gas money (and the event); undefined for any other error. */
  outOfFunds(error: unknown, network: string): Promise<TollgateError | undefined>
  /** After a settlement was sent: checks the balance against the threshold, in the background. */
  afterSend(network: string): void
}

export function gasFunds(client: Client, settler: Account, threshold: bigint | undefined, emit: (event: SettlementEvent) => void): GasFunds {
  let lastRead = -Infinity
  let reading = false
  let below = false
  const balance = () => getBalance(client, { address: settler.address, blockTag: 'latest' })

  return {
    async outOfFunds(error, network) {
      if (!isInsufficientFunds(error)) return undefined
      const held = await balance().catch(() => undefined)
      emit({ type: 'settler.insufficient_funds', settler: settler.address, balance: held, network })
      const amount = held === undefined ? 'an unknown amount of' : held.toString()
      return new TollgateError(
        'facilitator_error',
        `localFacilitator: the settler ${settler.address} cannot pay the gas of the settlement: it holds ${amount} wei on ${network}. Fund it; nothing was charged.`,
        { settler: settler.address, ...(held === undefined ? {} : { balance: held.toString() }), network },
        { cause: error },
      )
    },
    afterSend(network) {
      if (threshold === undefined || reading || Date.now() - lastRead < BALANCE_EVERY_MS) return
      reading = true
      lastRead = Date.now()
      balance()
        .then((held) => {
          if (held < threshold && !below) emit({ type: 'settler.low_balance', settler: settler.address, balance: held, threshold, network })
          below = held < threshold
        })
        .catch(() => {}) // a failed read is tried after the next settlement
        .finally(() => (reading = false))
    },
  }
}

export function isInsufficientFunds(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false
  if (error.walk((e) => e instanceof InsufficientFundsError) !== null) return true
  return /insufficient funds for (gas|transfer)/i.test(error.details ?? '') || /insufficient funds for (gas|transfer)/i.test(error.message)
}
