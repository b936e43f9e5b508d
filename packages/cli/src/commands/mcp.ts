// tollgate mcp tools <url> / tollgate mcp call <url> <tool> --args JSON: the paid tools of an MCP server over
// Streamable HTTP, and a call that pays as `tollgate pay` does (same keys, same --max, same exit codes).
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js'
import { getToolPayment, PRICE_META_KEY, readPaymentRequired, readReceipt, withPayments, type ListedOffer } from '@tollgate/mcp'
import { formatUnits } from '@tollgate/x402'
import Table from 'cli-table3'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { paymentLine, receiptLine } from '../format.js'
import type { CliIO } from '../io.js'
import { buildRequestInit, checkUrl, UsageError } from '../request.js'
import { payersFromEnv } from './pay.js'

export interface McpFlags {
  /** The tool's arguments, a JSON object. */
  args?: string
  /** The spend cap per call, as for `tollgate pay`. */
  max?: string
  wallet?: string
  header?: string[]
  json?: boolean
}

export async function mcpCommand(sub: string | undefined, positionals: string[], flags: McpFlags, io: CliIO): Promise<ExitCode> {
  if (sub === 'tools') {
    if (positionals.length !== 1) throw new UsageError('Usage: tollgate mcp tools <url>')
    return toolsCommand(positionals[0], flags, io)
  }
  if (sub === 'call') {
    if (positionals.length !== 2) throw new UsageError('Usage: tollgate mcp call <url> <tool> [--args JSON]')
    return callCommand(positionals[0], positionals[1]!, flags, io)
  }
  throw new UsageError(`Unknown mcp command ${JSON.stringify(sub ?? '')}: use tollgate mcp tools <url> or tollgate mcp call <url> <tool>.`)
}

async function connect(target: string | undefined, flags: McpFlags, io: CliIO): Promise<{ url: string; client: Client }> {
  const url = checkUrl(target)
  const { headers } = buildRequestInit({ header: flags.header ?? [] })
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: io.fetch, requestInit: headers ? { headers } : {} })
  const client = new Client({ name: 'tollgate-cli', version: '0.1.0' })
  await client.connect(transport)
  return { url, client }
}

async function toolsCommand(target: string | undefined, flags: McpFlags, io: CliIO): Promise<ExitCode> {
  const { url, client } = await connect(target, flags, io)
  try {
    const { tools } = await client.listTools()
    if (flags.json) {
      io.stdout(JSON.stringify({ url, tools: tools.map((tool) => ({ name: tool.name, description: tool.description ?? null, accepts: acceptsOf(tool) ?? null })) }))
      return EXIT.ok
    }
    const table = new Table({ head: ['tool', 'price', 'description'], style: { head: [], border: [] } })
    for (const tool of tools) table.push([tool.name, priceText(acceptsOf(tool)), tool.description ?? ''])
    io.stdout(`${tools.length} tool${tools.length === 1 ? '' : 's'} at ${url}\n${table.toString()}`)
    return EXIT.ok
  } finally {
    await client.close()
  }
}

async function callCommand(target: string | undefined, tool: string, flags: McpFlags, io: CliIO): Promise<ExitCode> {
  const args = parseArgsJson(flags.args)
  // A free tool needs no key: without one the call goes out unpaid, and a paid tool's answer says what it costs.
  const payers = hasPaymentKey(io.env) || flags.wallet !== undefined ? await payersFromEnv(io.env, flags.wallet) : []
  const { url, client } = await connect(target, flags, io)
  try {
    const caller = payers.length === 0 ? client : withPayments(client, { payers, ...(flags.max === undefined ? {} : { maxAmount: flags.max }) })
    const result = (await caller.callTool({ name: tool, arguments: args })) as CallToolResult
    const payment = getToolPayment(result)
    const receipt = readReceipt(result)
    const failed = result.isError === true
    if (flags.json) {
      io.stdout(
        JSON.stringify({
          url,
          tool,
          paid: payment !== undefined,
          payment: payment ? { payer: payment.payer, x402Version: payment.offer.x402Version, requirements: payment.offer.raw } : null,
          receipt: receipt ?? null,
          result,
        }),
      )
    } else {
      io.stderr(failed ? `Tool ${tool} answered an error.` : `Tool ${tool} answered.`)
      io.stderr(payment ? paymentLine(payment).replace(/ \(PAYMENT-SIGNATURE\)| \(X-PAYMENT\)/, '') : 'Nothing to pay.')
      if (payment || receipt) io.stderr(receiptLine(receipt))
      const text = textOf(result)
      if (text !== '') io.stdout(text)
    }
    const required = failed ? readPaymentRequired(result) : undefined
    if (required && payers.length === 0) {
      // As `tollgate pay` with no key: a usage problem, and nothing was paid.
      io.stderr(`Tool ${tool} costs ${priceText(offersOf(required))}. ${NO_KEY}`)
      return EXIT.usage
    }
    if (required) return EXIT.refused
    return failed ? EXIT.failed : EXIT.ok
  } finally {
    await client.close()
  }
}

const NO_KEY = 'No key to pay with: set TOLLGATE_PRIVATE_KEY (exact EVM payments), TOLLGATE_SOLANA_KEYPAIR (exact Solana) or NVM_API_KEY (Nevermined plans).'

/** A payment-required result's offers as listed prices (atomic units: the token's decimals are not on the wire). */
function offersOf(required: Record<string, unknown>): ListedOffer[] {
  const accepts = Array.isArray(required.accepts) ? (required.accepts as Record<string, unknown>[]) : []
  return accepts.map((offer) => {
    const listed: ListedOffer = { scheme: String(offer.scheme), network: String(offer.network) }
    const amount = offer.amount ?? offer.maxAmountRequired
    if (typeof amount === 'string') listed.amount = amount
    const planId = offer.planId ?? (offer.extra as { planId?: unknown } | undefined)?.planId
    if (typeof planId === 'string') listed.planId = planId
    return listed
  })
}

function hasPaymentKey(env: CliIO['env']): boolean {
  return Boolean(env.TOLLGATE_PRIVATE_KEY?.trim() || env.TOLLGATE_SOLANA_KEYPAIR?.trim() || env.NVM_API_KEY?.trim())
}

function parseArgsJson(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new UsageError(`--args is not JSON: ${text}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('--args must be a JSON object, e.g. --args \'{"city":"Oslo"}\'.')
  return value as Record<string, unknown>
}

/** The text parts of a result, one per line; other parts (images, resources) as their JSON. */
function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : JSON.stringify(part))).join('\n')
}

function acceptsOf(tool: Tool): ListedOffer[] | undefined {
  const listed = tool._meta?.[PRICE_META_KEY]
  return Array.isArray(listed) ? (listed as ListedOffer[]) : undefined
}

/** `$0.01 exact on eip155:84532`, `plan 123 on eip155:84532`, several joined with ` or `; `free` when unlisted. */
function priceText(accepts: ListedOffer[] | undefined): string {
  if (!accepts || accepts.length === 0) return 'free (no x402 price listed)'
  return accepts
    .map((offer) => {
      if (offer.planId !== undefined) return `plan ${offer.planId} on ${offer.network}`
      if (offer.amount === 'per-call') return `priced per call, ${offer.scheme} on ${offer.network}`
      const amount = offer.amount === undefined ? '?' : offer.decimals === 6 ? `$${formatUnits(offer.amount, 6)}` : `${offer.amount} atomic`
      return `${amount} ${offer.scheme} on ${offer.network}`
    })
    .join(' or ')
}
