// What localFacilitator tells its `onEvent` about settlements after they were sent: the chain's faults it met and
// what it did about them. Events name the transaction and the payer, never the payment token.
import type { Hash } from 'viem'

interface SettlementEventBase {
  /** The settlement transaction the event is about. */
  transaction: Hash
  /** CAIP-2 network, e.g. `eip155:8453`. */
  network: string
  /** Who paid. */
  payer: string
}

/** The transaction left the node's mempool unmined and was sent again, the same signed bytes. */
export interface SettlementRebroadcast extends SettlementEventBase {
  type: 'settlement.rebroadcast'
}

/** A reorganisation took the delivered settlement's transaction out of the chain; it is being settled again. */
export interface SettlementReorged extends SettlementEventBase {
  type: 'settlement.reorged'
  /** The block it had been mined in. */
  blockNumber: bigint
}

/** A reorged settlement is on the chain again: `transaction` (the same one, or a new one for the authorization). */
export interface SettlementResettled extends SettlementEventBase {
  type: 'settlement.resettled'
  /** The first transaction, the one the buyer's receipt names. */
  replaced: Hash
}

/** A reorged settlement cannot be settled again: the authorization expired meanwhile. The answer went out unpaid. */
export interface SettlementLost extends SettlementEventBase {
  type: 'settlement.lost'
  reason: 'authorization_expired'
}

/** A settlement could not be sent: the settler cannot pay its gas. The request was answered 502, nothing charged. */
export interface SettlerInsufficientFunds {
  type: 'settler.insufficient_funds'
  /** The settler's address. */
  settler: string
  /** Its balance in wei, when it could be read. */
  balance: bigint | undefined
  network: string
}

/** After a settlement, the settler's balance (wei) is under `lowBalanceThreshold`: once per fall under it. */
export interface SettlerLowBalance {
  type: 'settler.low_balance'
  settler: string
  balance: bigint
  threshold: bigint
  network: string
}

export type SettlementEvent = SettlementRebroadcast | SettlementReorged | SettlementResettled | SettlementLost | SettlerInsufficientFunds | SettlerLowBalance

/** Calls `onEvent` without letting a throwing listener break a settlement. */
export function eventSink(onEvent: ((event: SettlementEvent) => void) | undefined): (event: SettlementEvent) => void {
  return (event) => {
    try {
      onEvent?.(event)
    } catch {
      // A listener's failure is its own; the settlement goes on.
    }
  }
}
