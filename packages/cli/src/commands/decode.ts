// tollgate decode <value>: any of the five x402 headers, from its value alone or a pasted "Name: value" line.
import { decodeAnyHeader, encodePaymentRequired, HEADERS, type AnyHeader, type PaymentRequired } from '@tollgate/x402'
import { readPaymentDemand } from '@tollgate/x402/client'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { offersTable } from '../format.js'
import type { CliIO } from '../io.js'
import { UsageError } from '../request.js'

/** Tried in this order when the header is not named; receipts have one shape for both generations. */
const GUESS_ORDER = [HEADERS.PAYMENT_REQUIRED, HEADERS.PAYMENT_SIGNATURE, HEADERS.X_PAYMENT, HEADERS.PAYMENT_RESPONSE]
const KNOWN = Object.values(HEADERS).map((name) => name.toLowerCase())

export interface DecodeFlags {
  /** The header's name, when the value alone is given and guessing is not wanted. */
  as?: string
  json?: boolean
}

export async function decodeCommand(input: string | undefined, flags: DecodeFlags, io: CliIO): Promise<ExitCode> {
  if (input === undefined || input.trim() === '') throw new UsageError('Missing the header value to decode.')
  const { name, value } = splitHeaderLine(input, flags.as)
  const decoded = name !== undefined ? [decodeAnyHeader(name, value)] : GUESS_ORDER.map((guess) => decodeAnyHeader(guess, value))
  const found = decoded.find((result) => result.ok)
  if (!found?.ok) {
    const first = decoded[0]!
    const why = first.ok ? '' : first.error.message
    const message = name !== undefined ? why : `Not any x402 header (${GUESS_ORDER.join(', ')}, X-PAYMENT-RESPONSE). As ${GUESS_ORDER[0]}: ${why}`
    if (flags.json) io.stdout(JSON.stringify({ error: { code: first.ok ? 'malformed_payment' : first.error.code, message } }))
    else io.stderr(`tollgate decode: ${message}`)
    return EXIT.failed
  }
  const header = found.value
  if (flags.json) {
    io.stdout(JSON.stringify({ header: header.header, x402Version: header.x402Version ?? null, value: header.value }))
    return EXIT.ok
  }
  io.stdout(`${title(header, name === undefined)}\n${JSON.stringify(header.value, null, 2)}`)
  if (header.header === HEADERS.PAYMENT_REQUIRED) io.stdout(offersTable(await readPaymentDemand(as402(header.value as PaymentRequired))))
  return EXIT.ok
}

function title(header: AnyHeader, guessed: boolean): string {
  const receipt = header.header === HEADERS.PAYMENT_RESPONSE || header.header === HEADERS.X_PAYMENT_RESPONSE
  const name = receipt && guessed ? 'PAYMENT-RESPONSE / X-PAYMENT-RESPONSE' : header.header
  const kind = receipt ? 'settlement receipt' : header.header === HEADERS.PAYMENT_REQUIRED ? 'payment request' : 'payment proof'
  return header.x402Version === undefined ? `${name} (${kind})` : `${name} (x402 v${header.x402Version} ${kind})`
}

/** "PAYMENT-SIGNATURE: eyJ..." -> its name and value; a bare value -> `as` (or undefined: guess). */
function splitHeaderLine(input: string, as: string | undefined): { name: string | undefined; value: string } {
  const colon = input.indexOf(':')
  if (colon > 0 && KNOWN.includes(input.slice(0, colon).trim().toLowerCase())) {
    return { name: input.slice(0, colon).trim(), value: input.slice(colon + 1).trim() }
  }
  if (as !== undefined && !KNOWN.includes(as.trim().toLowerCase())) {
    throw new UsageError(`--as must name an x402 header (${Object.values(HEADERS).join(', ')}), got ${JSON.stringify(as)}.`)
  }
  return { name: as, value: input.trim() }
}

/** A decoded PAYMENT-REQUIRED as the 402 it came from, to reuse the client's reader for the table. */
function as402(paymentRequired: PaymentRequired): Response {
  return new Response(null, { status: 402, headers: { [HEADERS.PAYMENT_REQUIRED]: encodePaymentRequired(paymentRequired) } })
}
