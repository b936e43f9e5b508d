// tollgate inspect <url>: what a URL asks to be paid, as a table (or --json). Pays nothing.
import { readPaymentDemand } from '@tollgate/x402/client'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { offerRow, offersTable } from '../format.js'
import type { CliIO } from '../io.js'
import { buildRequestInit, checkUrl, type RequestFlags } from '../request.js'

export interface InspectFlags extends RequestFlags {
  json?: boolean
}

export async function inspectCommand(target: string | undefined, flags: InspectFlags, io: CliIO): Promise<ExitCode> {
  const url = checkUrl(target)
  const response = await io.fetch(url, buildRequestInit(flags))
  if (response.status !== 402) {
    await response.body?.cancel()
    if (flags.json) io.stdout(JSON.stringify({ url, status: response.status, paymentRequired: false }))
    else io.stdout(`No payment required: ${url} answered HTTP ${response.status} ${response.statusText}`.trimEnd())
    return EXIT.ok
  }
  const demand = await readPaymentDemand(response)
  if (flags.json) {
    io.stdout(
      JSON.stringify({
        url,
        status: 402,
        paymentRequired: true,
        x402Version: demand.x402Version,
        source: demand.source,
        error: demand.error ?? null,
        resource: demand.resource,
        offers: demand.offers.map((offer) => ({ ...offerRow(offer), requirements: offer.raw })),
      }),
    )
  } else {
    io.stdout(offersTable(demand))
  }
  return EXIT.ok
}
