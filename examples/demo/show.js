// What the demo prints: short tables of what a 402 asks for, a receipt, and balances before and after.
import Table from 'cli-table3'
import { formatUnits } from 'viem'

export { eventLine } from './event-line.js'

/**
 * @typedef {import('@tollgate/x402').PaymentRequired} PaymentRequired
 * @typedef {import('@tollgate/x402').PaymentRequirements} PaymentRequirements
 * @typedef {import('@tollgate/x402').SettleResponse} SettleResponse
 */

// No colours (the output is read by people and by the demo's own tests alike), and no rules between rows.
const PLAIN = { head: [], border: [] }
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }

/** Atomic units as dollars of a 6-decimal stablecoin: 1000 -> "$0.001". */
export function dollars(/** @type {string | bigint} */ atomic, decimals = 6) {
  return `$${formatUnits(BigInt(atomic), decimals)}`
}

/** A balance with every decimal shown, so that a change of one atomic unit is visible: "9.999000". */
export function usdc(/** @type {bigint} */ atomic, decimals = 6) {
  const negative = atomic < 0n
  const magnitude = negative ? -atomic : atomic
  const unit = 10n ** BigInt(decimals)
  const fraction = (magnitude % unit).toString().padStart(decimals, '0')
  return `${negative ? '-' : ''}${magnitude / unit}.${fraction}`
}

/** One offer's amount: atomic units and dollars for `exact` (for `upto`, the most it may cost), credits for plans. */
function amountOf(/** @type {PaymentRequirements} */ offer) {
  if (offer.scheme === 'upto' && typeof offer.amount === 'string') return `at most ${offer.amount} atomic = ${dollars(offer.amount)}`
  if (offer.scheme === 'batch-settlement' && typeof offer.amount === 'string') return `${offer.amount} atomic = ${dollars(offer.amount)} a request, from a channel`
  if (offer.scheme === 'exact' && typeof offer.amount === 'string') {
    const decimals = typeof offer.extra?.decimals === 'number' ? offer.extra.decimals : 6
    return `${offer.amount} atomic = ${dollars(offer.amount, decimals)}`
  }
  if (typeof offer.amount === 'string') return offer.amount
  return 'credits, as the plan says'
}

/** What a 402 asks for, one column per offer. */
export function paymentRequiredTable(/** @type {PaymentRequired} */ paymentRequired) {
  const offers = paymentRequired.accepts
  const table = new Table({ head: ['402 asks for', ...offers.map((_, i) => (offers.length > 1 ? `offer ${i + 1}` : 'offer'))], style: PLAIN, chars: COMPACT })
  // A row only for what some offer has: plans have no asset or payTo.
  const row = (/** @type {string} */ label, /** @type {(offer: PaymentRequirements) => unknown} */ pick) => {
    const values = offers.map(pick)
    if (values.some((value) => value !== undefined)) table.push([label, ...values.map((value) => String(value ?? '-'))])
  }
  row('scheme', (offer) => offer.scheme)
  row('network', (offer) => offer.network)
  row('asset', (offer) => (offer.asset ? `${offer.asset} (${String(offer.extra?.name ?? '?')})` : undefined))
  row('amount', amountOf)
  row('payTo', (offer) => offer.payTo)
  row('plan', (offer) => offer.planId)
  return table.toString()
}

/** A PAYMENT-RESPONSE receipt: every field it carries (Nevermined adds creditsRedeemed, remainingBalance). */
export function receiptTable(/** @type {SettleResponse} */ receipt) {
  const table = new Table({ head: ['receipt', ''], style: PLAIN, chars: COMPACT })
  for (const [key, value] of Object.entries(receipt)) {
    if (value === undefined || value === null || typeof value === 'object') continue
    table.push([key, value === '' ? '-' : String(value)])
  }
  return table.toString()
}

/**
 * Balances before and after a payment, with the change.
 *
 * @param {{ label: string, address: string, before: bigint, after: bigint }[]} rows
 */
export function balancesTable(rows) {
  const table = new Table({ head: ['USDC balance', 'address', 'before', 'after', 'change'], style: PLAIN, chars: COMPACT })
  for (const { label, address, before, after } of rows) {
    const change = after - before
    table.push([label, address, usdc(before), usdc(after), `${change > 0n ? '+' : ''}${usdc(change)}`])
  }
  return table.toString()
}
