// localFacilitator's options: what they are, and their validation when the facilitator is made.
import { createPublicClient, http, type Account, type Address, type Client, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { TollgateError } from '../errors.js'
import type { Store } from '../store/types.js'
import { defaultReceiverAuthorizer } from './batch-settlement/receiver-authorizer.js'
import { ADDRESS } from './scheme.js'
import { eventSink, type SettlementEvent } from './settlement-events.js'
import { unixNow } from './verify.js'
import { approvalCaps, type ApprovalSponsoringOptions } from './permit2-sponsor.js'

export interface LocalFacilitatorOptions {
  /** JSON-RPC endpoint of the chain to verify and settle on (or give `client`). */
  rpcUrl?: string
  /** A viem client for the chain (public or wallet); used instead of `rpcUrl`. */
  client?: Client
  /** Who submits `transferWithAuthorization` and pays the gas: a viem Account or a private key. */
  settler: Account | Hex
  /** Unix seconds for the time-window checks (tests fix it); defaults to the system clock. */
  now?: () => number
  /** Blocks to wait for after inclusion before a settlement counts (default 1: the including block). */
  confirmations?: number
  /**
   * How long a settle call waits for the receipt, in ms (default 25 000, under the paywall's `settleTimeoutMs` of
   * 30 000). A transaction sent but not mined by then is answered with x402's `settlement_pending` and its hash,
   * watched, and reconciled when settle is asked again; keep it under the paywall's settle deadline.
   */
  receiptTimeoutMs?: number
  /** How often the client made from `rpcUrl` polls for receipts, in ms (default 1000; `client` keeps its own). */
  pollingIntervalMs?: number
  /**
   * Smart-wallet factories this facilitator will call, paying the gas, to deploy a payer's wallet that does not
   * exist yet (its ERC-6492 signature carries the call) before settling. Default none: such payments are refused.
   */
  erc6492Factories?: readonly Address[]
  /**
   * Told what happened to settlements after they were sent: `settlement.rebroadcast` when a transaction left the
   * mempool unmined and was sent again; `settlement.reorged`, `.resettled` and `.lost` (see `finalityDepth`);
   * `settler.insufficient_funds` and `settler.low_balance` (see `lowBalanceThreshold`). Called synchronously; a
   * throwing listener is ignored.
   */
  onEvent?: (event: SettlementEvent) => void
  /**
   * Blocks, the including one counted, a delivered settlement (EIP-3009 or Permit2) is watched for a
   * reorganisation that would undo it (default 5; 0 or 1: not watched). Settled again if one does:
   * `settlement.reorged`, `.resettled`, `.lost`.
   */
  finalityDepth?: number
  /**
   * The Store several server instances share (e.g. `redisStore` of @tollgate/redis). The settler key is leased
   * there to this instance while it lives: another instance given the same key refuses to settle (a 502 naming the
   * key) instead of clashing on nonces. Default none: one instance per settler key is the deployer's rule.
   */
  settlerLease?: Store
  /**
   * batch-settlement: the key that signs claim and refund authorizations for channels naming it as their receiver
   * authorizer (listed at /supported as `extra.receiverAuthorizer`). Default: derived from a private-key `settler`
   * (the same after a restart); for a settler given as an Account, a fresh key of this process.
   */
  receiverAuthorizer?: Account | Hex
  /**
   * Wei: when the settler's balance is found under it after a settlement, `settler.low_balance` (once per fall
   * under it; read in the background, at most every 5 s). Default none. A settler that cannot pay a settlement's
   * gas at all is answered 502 with `settler.insufficient_funds` whatever this is.
   */
  lowBalanceThreshold?: bigint
  /**
   * Gasless Permit2 for tokens without EIP-2612 (erc20ApprovalGasSponsoring): true, or caps, to fund a payer's
   * signed `approve(Permit2, ...)` with the settler's ETH and broadcast it before the transfer. Default off:
   * such payments are refused. EIP-2612 permits need no option (docs/extensions.md, gasless Permit2).
   */
  approvalSponsoring?: boolean | ApprovalSponsoringOptions
}

/** The options checked and with their defaults: what the payment paths are given. */
export interface LocalSettings {
  client: Client
  settler: Account
  now: () => number
  confirmations: number
  receiptTimeoutMs: number
  erc6492Factories: readonly Address[]
  finalityDepth: number
  settlerLease: Store | undefined
  /** Signs batch-settlement claim and refund authorizations. */
  receiverAuthorizer: Account
  lowBalanceThreshold: bigint | undefined
  approvalSponsoring: Required<ApprovalSponsoringOptions> | undefined
  /** `onEvent`, or nothing; never throws. */
  emit: (event: SettlementEvent) => void
}

/** Throws `invalid_options` for a missing chain, a settler that is no key, or factories that are no addresses. */
export function resolveLocalOptions(options: LocalFacilitatorOptions): LocalSettings {
  if (!options.client && !options.rpcUrl) {
    throw optionsError('rpcUrl', 'localFacilitator needs a chain: give rpcUrl or client.', 'an RPC URL or a viem client')
  }
  return {
    // Calls made in the same tick (many settlements polling for receipts, a wave of sends) go as one JSON-RPC batch.
    client: options.client ?? createPublicClient({ transport: http(options.rpcUrl, { batch: true }), pollingInterval: options.pollingIntervalMs ?? 1000 }),
    settler: toAccount(options.settler),
    now: options.now ?? unixNow,
    confirmations: options.confirmations ?? 1,
    receiptTimeoutMs: options.receiptTimeoutMs ?? 25_000,
    erc6492Factories: checkFactories(options.erc6492Factories),
    emit: eventSink(checkListener(options.onEvent)),
    finalityDepth: checkDepth(options.finalityDepth),
    settlerLease: checkStore(options.settlerLease),
    receiverAuthorizer: options.receiverAuthorizer === undefined ? defaultReceiverAuthorizer(options.settler) : toAccount(options.receiverAuthorizer, 'receiverAuthorizer'),
    lowBalanceThreshold: checkThreshold(options.lowBalanceThreshold),
    approvalSponsoring: approvalCaps(options.approvalSponsoring),
  }
}

const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/

function checkFactories(value: unknown): readonly Address[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' && ADDRESS.test(entry))) {
    throw optionsError('erc6492Factories', 'localFacilitator: erc6492Factories must be a list of contract addresses.', 'an array of 0x-prefixed 20-byte addresses')
  }
  return value as Address[]
}

function checkDepth(value: unknown): number {
  if (value === undefined) return 5
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw optionsError('finalityDepth', 'localFacilitator: finalityDepth must be a whole number of blocks.', 'an integer >= 0')
  }
  return value
}

function checkStore(value: unknown): Store | undefined {
  if (value === undefined) return undefined
  const store = value as Partial<Store> | null
  if (store && typeof store.add === 'function' && typeof store.get === 'function' && typeof store.set === 'function') return value as Store
  throw optionsError('settlerLease', 'localFacilitator: settlerLease must be a Store (get, set, add), e.g. redisStore().', 'a Store shared by the instances')
}

function checkThreshold(value: unknown): bigint | undefined {
  if (value === undefined || (typeof value === 'bigint' && value >= 0n)) return value as bigint | undefined
  throw optionsError('lowBalanceThreshold', 'localFacilitator: lowBalanceThreshold must be an amount of wei as a bigint.', 'a bigint >= 0n, e.g. 10n ** 16n')
}

function checkListener(value: unknown): ((event: SettlementEvent) => void) | undefined {
  if (value === undefined || typeof value === 'function') return value as ((event: SettlementEvent) => void) | undefined
  throw optionsError('onEvent', 'localFacilitator: onEvent must be a function.', 'a function (event) => void')
}

function optionsError(path: string, message: string, expected: string): TollgateError {
  return new TollgateError('invalid_options', message, { path: `localFacilitator.${path}`, expected })
}

function toAccount(key: Account | Hex, path: 'settler' | 'receiverAuthorizer' = 'settler'): Account {
  if (typeof key === 'object' && key !== null && typeof key.address === 'string') return key
  if (typeof key !== 'string' || !PRIVATE_KEY.test(key)) {
    throw optionsError(path, `localFacilitator: ${path} is not a private key.`, 'a viem Account or a 0x-prefixed 32-byte private key')
  }
  return privateKeyToAccount(key)
}

