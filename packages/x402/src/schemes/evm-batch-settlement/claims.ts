// The seller's claims as a service of the paywall: batchSettlement({ claims }) says when to claim, createPaywall
// starts one claim scheduler per offer (network, receiver, token) over the seller's channel index, and
// `paywall.close()` claims and settles everything held before it resolves. `claims: false` leaves claims to the
// seller (another process, another tool): then nothing is indexed either.
import { getAddress, type Address, type Client } from 'viem'
import type { PaymentRequirements } from '../../codec/types.js'
import { failClosed } from '../../engine/guarded-store.js'
import { claimScheduler } from '../../evm/batch-settlement/claim-scheduler.js'
import { toVoucherClaims } from '../../evm/batch-settlement/payload-parse.js'
import { claimBatchTypedData } from '../../evm/batch-settlement/typed-data.js'
import { chainIdOfNetwork } from '../../evm/networks.js'
import { parseAtomic } from '../../requirements/money.js'
import type { AmountValue } from '../../requirements/types.js'
import type { Scheme } from '../contract.js'
import { checkKeys, invalidOption, positiveInteger, show } from '../option-checks.js'
import { channelIndexOf } from './channel-index.js'
import type { ReceiverSigner } from './refund.js'
import { storeClaimSource } from './store-claim-source.js'

export interface BatchClaimsOptions {
  /** Claim everything unclaimed this often, in ms; default 600 000 (10 minutes); 0: never on a timer. */
  periodicMs?: number
  /** Claim as soon as the offer's channels owe this much in all, in atomic units; default none. */
  threshold?: AmountValue
  /** Claim as soon as a channel that owes something has a timed withdrawal pending; default true. */
  onWithdrawal?: boolean
  /** How often the strategies are looked at, in ms; default 30 000. */
  checkIntervalMs?: number
  /** Channels per claim transaction; default 100. */
  maxClaimsPerBatch?: number
  /**
   * A viem client of the chain, to read each owing channel's pending withdrawal at every check, and, when the
   * contract refuses a claim, which channels can never be claimed (they leave the index). Without it a withdrawal
   * is seen only once a request of that channel brought it from the facilitator.
   */
  client?: Client
}

export interface ClaimSettings {
  strategy: { periodicMs: number; threshold?: bigint; onWithdrawal: boolean }
  checkIntervalMs: number
  maxClaimsPerBatch: number
  client?: Client
}

const KEYS = ['periodicMs', 'threshold', 'onWithdrawal', 'checkIntervalMs', 'maxClaimsPerBatch', 'client']

/** The `claims` option checked, with its defaults; false when the seller claims elsewhere. */
export function resolveClaims(value: BatchClaimsOptions | false | undefined): ClaimSettings | false {
  if (value === false) return false
  const given = value ?? {}
  checkKeys('batchSettlement', given, KEYS, 'claims')
  const periodicMs = given.periodicMs ?? 600_000
  if (periodicMs !== 0) positiveInteger(periodicMs, 'claims.periodicMs')
  if (given.onWithdrawal !== undefined && typeof given.onWithdrawal !== 'boolean') {
    throw invalidOption('claims.onWithdrawal', `claims.onWithdrawal must be true or false, got ${show(given.onWithdrawal)}`, 'a boolean')
  }
  const client = given.client
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof (client as { request?: unknown }).request !== 'function')) {
    throw invalidOption('claims.client', `claims.client must be a viem client of the channel's chain, got ${show(client)}`, 'a viem Client')
  }
  return {
    strategy: {
      periodicMs,
      ...(given.threshold === undefined ? {} : { threshold: parseAtomic(given.threshold, 'claims.threshold') }),
      onWithdrawal: given.onWithdrawal ?? true,
    },
    checkIntervalMs: positiveInteger(given.checkIntervalMs ?? 30_000, 'claims.checkIntervalMs'),
    maxClaimsPerBatch: positiveInteger(given.maxClaimsPerBatch ?? 100, 'claims.maxClaimsPerBatch'),
    ...(client === undefined ? {} : { client }),
  }
}

/**
 * The claims of one option, as its scheme's `start`: one scheduler per offer (network, receiver, token) and paywall,
 * signing claims itself when the seller holds the receiver authorizer's key.
 */
export function claimService(settings: ClaimSettings, signer: ReceiverSigner | undefined): NonNullable<Scheme['start']> {
  return (offer, { store, facilitator, emit, services }) => {
    // batchSettlement() always names both.
    const { network, payTo, asset } = offer as Required<Pick<PaymentRequirements, 'payTo' | 'asset'>> & PaymentRequirements
    const key = `batch-settlement claims ${network} ${payTo} ${asset}`.toLowerCase()
    if (services.some((service) => service.key === key)) return
    const index = channelIndexOf(store)
    if (!index) {
      throw invalidOption(
        'claims',
        'batchSettlement() claims need a Store that keeps sets (memoryStore, redisStore, or one with addMember, removeMember and members); give such a store, or claims: false to claim elsewhere',
        'a Store with set operations, or claims: false',
      )
    }
    const chainId = chainIdOfNetwork(network)!
    const fields = { route: '', method: '', path: '', network }
    const scheduler = claimScheduler({
      facilitator,
      source: storeClaimSource({ store: failClosed(store), given: store, index, network, receiver: payTo, token: asset }),
      network,
      receiver: getAddress(payTo) as Address,
      token: getAddress(asset) as Address,
      strategy: settings.strategy,
      checkIntervalMs: settings.checkIntervalMs,
      maxClaimsPerBatch: settings.maxClaimsPerBatch,
      ...(settings.client ? { client: settings.client } : {}),
      ...(signer ? { signClaims: (payload) => signer.signTypedData(claimBatchTypedData(toVoucherClaims(payload.claims), chainId)) } : {}),
      onEvent: (event) => {
        if (!emit) return
        const whose = { ...fields, receiver: event.receiver, token: event.token }
        if (event.type === 'batch.claimed') {
          const amount = event.channels.reduce((sum, channel) => sum + BigInt(channel.amount), 0n).toString()
          emit(event.type, { ...whose, transaction: event.transaction, amount, channels: event.channels })
        } else if (event.type === 'batch.settled') {
          emit(event.type, { ...whose, transaction: event.transaction, amount: event.amount })
        } else {
          const { step, reason, message, outcome, transaction, channels } = event
          emit(event.type, { ...whose, step, reason, message, outcome, ...(transaction ? { transaction } : {}), ...(channels ? { channels: channels.map((channelId) => ({ channelId })) } : {}) })
        }
      },
    })
    services.push({ key, close: scheduler.close })
  }
}
