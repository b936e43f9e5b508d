// Offers and payments as people read them: a table with amounts in atomic units and in dollars.
import { defaultAsset, formatUnits, toV1Network, type SettleResponse } from '@tollgate/x402'
import type { Offer, PaymentDemand, PaymentRecord } from '@tollgate/x402/client'
import Table from 'cli-table3'

export interface OfferRow {
  scheme: string
  network: string
  /** Token contract address, or `plan <id>` for Nevermined plans. */
  asset: string
  /** Atomic units (a decimal string), or undefined when the offer names none (plan credits). */
  amount: string | undefined
  /** `$0.01` when the asset is a dollar token (USDC: 6 decimals), else undefined. */
  dollars: string | undefined
  payTo: string | undefined
  resource: string
}

/** `$0.01` for USDC (the network's USDC, or a token whose EIP-712 name says USD): 6 decimals. */
export function dollarsOf(offer: Offer): string | undefined {
  const { amount, asset, network, extra } = offer.requirements
  if (typeof amount !== 'string' || !/^\d+$/.test(amount) || typeof asset !== 'string') return undefined
  const usdc = defaultAsset(network)
  const isUsdc = usdc !== undefined && usdc.address.toLowerCase() === asset.toLowerCase()
  const name = typeof extra?.name === 'string' ? extra.name : ''
  if (!isUsdc && !/\bUSD/i.test(name)) return undefined
  return `$${formatUnits(amount, 6)}`
}

export function offerRow(offer: Offer): OfferRow {
  const { scheme, network, amount, asset, payTo, planId } = offer.requirements
  return {
    scheme,
    network,
    asset: typeof planId === 'string' ? `plan ${planId}` : String(asset ?? ''),
    amount: typeof amount === 'string' ? amount : undefined,
    dollars: dollarsOf(offer),
    payTo: typeof payTo === 'string' ? payTo : undefined,
    resource: offer.resource.url,
  }
}

/** The readable table of what a 402 asks for. */
export function offersTable(demand: PaymentDemand): string {
  const table = new Table({
    head: ['#', 'scheme', 'network', 'asset', 'amount (atomic)', 'amount ($)', 'payTo', 'resource'],
    // No colours: the output is read by people and by tests alike.
    style: { head: [], border: [] },
  })
  demand.offers.forEach((offer, index) => {
    const row = offerRow(offer)
    const v1Name = toV1Network(row.network)
    table.push([
      String(index + 1),
      row.scheme,
      v1Name && v1Name !== row.network ? `${row.network} (${v1Name})` : row.network,
      row.asset,
      row.amount ?? '-',
      row.dollars ?? '-',
      row.payTo ?? '-',
      row.resource,
    ])
  })
  const said = demand.error ? ` (${demand.error})` : ''
  return `x402 v${demand.x402Version} payment required${said}: ${demand.offers.length} offer${demand.offers.length === 1 ? '' : 's'}\n${table.toString()}`
}

/** One line on what was paid: `Paid 10000 ($0.01) on eip155:84532 to 0x3C44... with exact-evm`. */
export function paymentLine(payment: PaymentRecord): string {
  const row = offerRow(payment.offer)
  const what = row.amount === undefined ? row.asset : `${row.amount}${row.dollars ? ` (${row.dollars})` : ''} of ${row.asset}`
  const to = row.payTo ? ` to ${row.payTo}` : ''
  return `Paid ${what} on ${row.network}${to} with ${payment.payer} (${payment.header}).`
}

export function receiptLine(receipt: SettleResponse | undefined): string {
  if (!receipt) return 'No receipt (the server sent no PAYMENT-RESPONSE).'
  if (!receipt.success) return `Receipt: settlement failed (${receipt.errorReason ?? 'no reason given'}).`
  const payer = receipt.payer ? ` from ${receipt.payer}` : ''
  return `Receipt: settled on ${receipt.network}${payer}, transaction ${receipt.transaction || '(none)'}.`
}
