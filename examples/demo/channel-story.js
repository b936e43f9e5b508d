// The channel route (batch-settlement) in the story: one deposit, fifty paid requests on the channel with no other
// transaction (counted on the chain), then the API stops and the seller claims them all in one transaction and
// settles them to the receiver in another; the balances show where the money went.
import { PAYMENT_RESPONSE, decodePaymentResponse } from '@tollgate/x402'
import { createPublicClient, http } from 'viem'
import { BATCH } from './routes.js'
import { balancesTable, dollars } from './show.js'

/**
 * @typedef {import('./chain.js').DemoChain} DemoChain
 * @typedef {import('./buyer.js').createBuyer} CreateBuyer
 *
 * @typedef {object} ChannelStoryOptions
 * @property {string} url  the API's origin
 * @property {DemoChain} chain
 * @property {ReturnType<CreateBuyer>} buyer  with its channel payer (`channels`)
 * @property {(line?: string) => void} say
 * @property {() => void} quiet  stops printing each 402 (fifty of them would hide the story)
 * @property {() => Promise<void>} closeApi  stops the API: its paywall claims and settles what the channels hold
 */

/**
 * @param {ChannelStoryOptions} options
 * @returns {Promise<bigint>} what the buyer paid into the channel (the deposit)
 */
export async function buyOnChannel({ url, chain, buyer, say, quiet, closeApi }) {
  // No cached block number: the story counts what each step sent.
  const reader = createPublicClient({ transport: http(chain.rpcUrl), cacheTime: 0 })
  const payer = chain.buyer.address
  const receiver = chain.seller
  const balances = async () => ({ payer: await chain.balanceOf(payer), receiver: await chain.balanceOf(receiver) })
  const before = await balances()
  const firstBlock = await reader.getBlockNumber()

  say(`\n== GET ${url}/quote, ${BATCH.requests} times (batch-settlement: one deposit into a channel, then a voucher per request)`)
  let charged = 0n
  for (let n = 1; n <= BATCH.requests; n += 1) {
    const response = await buyer.fetch(`${url}/quote`)
    const text = await response.text()
    if (response.status !== 200) throw new Error(`GET /quote (request ${n}) answered ${response.status} after paying: ${text}`)
    const receipt = readReceipt(response, n)
    charged += BigInt(String(receipt.extra?.chargedAmount ?? '0'))
    if (n === 1) {
      quiet()
      say(`<- 200 ${text}`)
      say(`   request 1: the deposit went with the first voucher, transaction ${receipt.transaction}`)
    } else if (n === 2 || n === BATCH.requests) {
      say(`<- 200 ${text}`)
      say(`   request ${n}: a voucher for ${receipt.extra?.channelState?.chargedCumulativeAmount} in all, no transaction`)
    } else if (n === 3) say('   ...')
  }
  const lastBlock = await reader.getBlockNumber()
  const sent = await transactionsBetween(reader, firstBlock, lastBlock)
  if (sent.length !== 1) throw new Error(`${BATCH.requests} paid requests on a channel sent ${sent.length} transactions, not one (the deposit).`)
  const [channel] = (await buyer.channels?.channels()) ?? []
  if (!channel) throw new Error('The buyer has no channel after paying GET /quote.')
  say(`Chain: block ${firstBlock} before, ${lastBlock} after: ${BATCH.requests} paid requests, 1 transaction (the deposit).`)
  say(`Channel ${channel.channelId}: deposited ${channel.balance} (${dollars(channel.balance)}), charged ${channel.charged}; the seller holds the vouchers, nothing claimed yet.`)

  say(`\n== The API stops: its paywall claims the vouchers (one transaction) and settles them to the receiver (another)`)
  await closeApi()
  const closedBlock = await reader.getBlockNumber()
  const closing = await transactionsBetween(reader, lastBlock, closedBlock)
  if (closing.length !== 2) throw new Error(`Closing the API sent ${closing.length} transactions, not a claim and a settle.`)
  say(`-> claim  ${closing[0]}`)
  say(`-> settle ${closing[1]}`)
  const after = await balances()
  say(
    balancesTable([
      { label: 'payer', address: payer, before: before.payer, after: after.payer },
      { label: 'receiver', address: receiver, before: before.receiver, after: after.receiver },
    ]),
  )
  const deposit = before.payer - after.payer
  if (after.receiver - before.receiver !== charged) {
    throw new Error(`The receiver got ${after.receiver - before.receiver}, not the ${charged} charged on the channel.`)
  }
  say(`The payer deposited ${deposit} (${dollars(deposit)}); the receiver got ${charged} (${dollars(charged)}) for ${BATCH.requests} requests, in 3 transactions.`)
  return deposit
}

/**
 * The receipt of one paid request on the channel.
 *
 * @param {Response} response
 * @param {number} n
 */
function readReceipt(response, n) {
  const decoded = decodePaymentResponse(response.headers.get(PAYMENT_RESPONSE) ?? '')
  if (!decoded.ok || !decoded.value.success) throw new Error(`GET /quote (request ${n}) answered 200 without a successful ${PAYMENT_RESPONSE}.`)
  return /** @type {import('@tollgate/x402').SettleResponse & { extra?: { chargedAmount?: string, channelState?: { chargedCumulativeAmount?: string } } }} */ (decoded.value)
}

/**
 * The hashes of the transactions in the blocks after `from`, up to `to`.
 *
 * @param {import('viem').PublicClient} reader
 * @param {bigint} from
 * @param {bigint} to
 */
async function transactionsBetween(reader, from, to) {
  /** @type {string[]} */
  const hashes = []
  for (let block = from + 1n; block <= to; block += 1n) hashes.push(...(await reader.getBlock({ blockNumber: block })).transactions)
  return hashes
}
