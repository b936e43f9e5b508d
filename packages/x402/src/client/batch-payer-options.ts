// batchPayer's options, checked once at construction (invalid_options), and the deposit it makes within the cap.
import { createPublicClient, http, zeroHash, type Hex } from 'viem'
import { TollgateError } from '../errors.js'
import type { ExactPayerAccount } from '../evm/signer.js'
import { toCaip2 } from '../requirements/networks.js'
import { memoryBuyerChannelStore, type BuyerChannelStore } from './batch-channel-store.js'
import type { BatchTerms } from './batch-offer.js'
import type { ChainReader } from './batch-payer-correct.js'
import { DEFAULT_MAX_AMOUNT, toCap, type CapAmount } from './spend-cap.js'

export interface BatchPayerOptions {
  /** Pays the deposits (the channel's `payer`): `privateKeyToAccount(key)` or any local signer. */
  account: ExactPayerAccount
  /** Signs the vouchers (the channel's `payerAuthorizer`, an EOA). Default: `account`. */
  voucherSigner?: ExactPayerAccount
  /** The chain the offers are on, read to recover a channel after local state was lost. Or `client`. */
  rpcUrl?: string
  /** A viem client for that chain, instead of `rpcUrl` (anything with `readContract`). */
  client?: ChainReader
  /**
   * How much to deposit when a channel opens or runs dry (atomic units, or `'$1'` for a 6-decimals token). Default:
   * the seller's `extra.minDeposit` when it gives one, else 100 requests' worth; either within the spend cap.
   */
  deposit?: CapAmount
  /** Where the channels are kept. Default: in memory (`memoryBuyerChannelStore()`). */
  store?: BuyerChannelStore
  /** Tells apart channels of one payer with one seller; recovery after a loss needs the same salt. Default: zero. */
  salt?: Hex
  /** Pay only on these networks (CAIP-2 or names like `base`). Default: any EVM chain. */
  networks?: string[]
  /** Seconds a deposit authorization stays valid. Default: the offer's `maxTimeoutSeconds`, else 300. */
  validForSeconds?: number
  /** The fetch `refund(url)` uses. Default: the global fetch. */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
}

/** When the seller names no deposit target: enough for this many requests at the offer's price. */
export const DEFAULT_DEPOSIT_REQUESTS = 100n

export interface ResolvedBatchOptions {
  account: ExactPayerAccount
  voucherSigner: ExactPayerAccount
  chain: ChainReader
  deposit: bigint | undefined
  store: BuyerChannelStore
  salt: Hex
  networks: string[]
  validForSeconds: number | undefined
  fetch: BatchPayerOptions['fetch']
}

export function resolveBatchOptions(options: BatchPayerOptions): ResolvedBatchOptions {
  const bad = (path: string, expected: string, why: string) => new TollgateError('invalid_options', `batchPayer: ${why}`, { path: `batchPayer.${path}`, expected })
  if (typeof options !== 'object' || options === null) throw bad('', '{ account, rpcUrl | client, ... }', 'options must be an object.')
  const isSigner = (value: unknown) => typeof value === 'object' && value !== null && typeof (value as ExactPayerAccount).signTypedData === 'function' && /^0x[0-9a-fA-F]{40}$/.test(String((value as ExactPayerAccount).address))
  if (!isSigner(options.account)) throw bad('account', 'a viem account (privateKeyToAccount(key))', 'account must be a signer with an address.')
  if (options.voucherSigner !== undefined && !isSigner(options.voucherSigner)) throw bad('voucherSigner', 'a viem local account', 'voucherSigner must be a signer with an address.')
  if (options.client !== undefined && typeof options.client?.readContract !== 'function') throw bad('client', 'a viem client', 'client must be a viem client (with readContract).')
  if (options.client === undefined && (typeof options.rpcUrl !== 'string' || !/^(https?|wss?):\/\//.test(options.rpcUrl))) {
    throw bad('rpcUrl', 'an RPC URL of the offers\' chain, or a viem client', 'give rpcUrl or client: a channel is recovered from the chain after its local record is lost.')
  }
  if (options.salt !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(options.salt)) throw bad('salt', '32 bytes of hex (0x and 64 digits)', `salt ${JSON.stringify(options.salt)} is not 32 bytes of hex.`)
  const store = options.store ?? memoryBuyerChannelStore()
  if (['get', 'set', 'delete', 'list'].some((method) => typeof (store as unknown as Record<string, unknown>)[method] !== 'function')) {
    throw bad('store', '{ get, set, delete, list }', 'store must have get, set, delete and list.')
  }
  const validFor = options.validForSeconds
  if (validFor !== undefined && (!Number.isInteger(validFor) || validFor <= 0)) throw bad('validForSeconds', 'a positive integer', `validForSeconds ${validFor} is not a positive integer.`)
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw bad('fetch', 'a fetch function', 'fetch must be a function.')
  const deposit = options.deposit === undefined ? undefined : toCap(options.deposit, 'batchPayer.deposit')
  if (deposit === 0n) throw bad('deposit', 'a positive amount', 'deposit must be more than zero.')
  return {
    account: options.account,
    voucherSigner: options.voucherSigner ?? options.account,
    chain: options.client ?? createPublicClient({ transport: http(options.rpcUrl) }),
    deposit,
    store,
    salt: options.salt ?? zeroHash,
    networks: options.networks?.map((network, index) => toCaip2(network, `batchPayer.networks[${index}]`)) ?? ['eip155:*'],
    validForSeconds: validFor,
    fetch: options.fetch,
  }
}

/**
 * What to deposit when `shortfall` more is needed for this request: the configured amount, else the seller's
 * target, else 100 requests' worth lowered to the cap. Throws `over_spend_cap` (nothing signed) when it is above the cap.
 */
export function depositFor(terms: BatchTerms, shortfall: bigint, configured: bigint | undefined, cap = DEFAULT_MAX_AMOUNT): bigint {
  let amount: bigint
  let source: string
  if (configured !== undefined) [amount, source] = [configured, 'the deposit option']
  else if (terms.minDeposit !== undefined) [amount, source] = [terms.minDeposit, "the seller's minDeposit"]
  else [amount, source] = [min(terms.price * DEFAULT_DEPOSIT_REQUESTS, cap), 'the default deposit']
  if (amount < shortfall) amount = shortfall
  if (amount > cap) {
    throw new TollgateError(
      'over_spend_cap',
      `Opening the batch-settlement channel takes a deposit of ${amount} atomic units (${source}), above the spend cap of ${cap}. Nothing was signed.`,
      { amount: amount.toString(), cap: cap.toString(), asset: terms.token },
    )
  }
  return amount
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}
