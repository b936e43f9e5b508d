// tollgate's entry: parse the arguments (node:util parseArgs), run one command, map failures to exit codes.
import { isTollgateError, type ErrorCode } from '@tollgate/x402'
import { parseArgs } from 'node:util'
import { decodeCommand } from './commands/decode.js'
import { discoverCommand } from './commands/discover.js'
import { inspectCommand } from './commands/inspect.js'
import { payCommand } from './commands/pay.js'
import { mcpCommand } from './commands/mcp.js'
import { channelCommand } from './commands/channel.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import { processIO, type CliIO } from './io.js'
import { UsageError } from './request.js'

export const HELP = `tollgate: inspect, decode and pay x402 (HTTP 402) endpoints

Usage:
  tollgate inspect <url> [-X METHOD] [-H 'Name: value']... [-d body] [--json]
      What the URL asks to be paid: scheme, network, asset, amount (atomic and $), payTo, resource.
  tollgate decode <value | 'Name: value'> [--as HEADER] [--json]
      Decode PAYMENT-REQUIRED, PAYMENT-SIGNATURE, PAYMENT-RESPONSE, X-PAYMENT or X-PAYMENT-RESPONSE.
  tollgate pay <url> [--max $0.05] [--wallet 0x...] [--approve-permit2 max|N --rpc-url URL] [-X METHOD] [-H 'Name: value']... [-d body] [--json]
      Pay and print the response (stdout) and what was paid and the receipt (stderr).
      Keys from the environment: TOLLGATE_PRIVATE_KEY (exact EVM), NVM_API_KEY (Nevermined plans),
      TOLLGATE_SOLANA_KEYPAIR (exact Solana: a keypair file's path, its JSON array, or base58; the chain
      read from TOLLGATE_SOLANA_RPC_URL, default the network's public endpoint).
      --max: the most to pay, '$0.05' (USDC) or atomic units; default $0.10.
      --wallet: pay exact offers from this smart-contract wallet (ERC-1271), signing as its owner.
      --approve-permit2: for upto and Permit2 exact offers, approve Permit2 (max or atomic units) once
      if the allowance is short, sending it on --rpc-url (or TOLLGATE_RPC_URL); never without the flag.
      upto offers are capped at their maximum: --max must cover it.
      batch-settlement offers (with --rpc-url or TOLLGATE_RPC_URL): the first request deposits into a
      channel (within --max), later ones sign a voucher each; channels are kept in TOLLGATE_CHANNELS
      (default ~/.tollgate/channels.json).
  tollgate discover <url> [-X METHOD] [-H 'Name: value']... [--json]
      What a URL declares for discovery (bazaar): how to call it, what it answers, the extensions it
      speaks; or the resources of a discovery list (a facilitator's /discovery/resources). Pays nothing.
  tollgate mcp tools <url> [-H 'Name: value']... [--json]
      The tools of an MCP server (Streamable HTTP) and what the paid ones cost.
  tollgate mcp call <url> <tool> [--args JSON] [--max $0.05] [--wallet 0x...] [-H 'Name: value']... [--json]
      Call a tool, paying what it asks (x402 MCP transport) with the same keys and cap as pay; the
      result on stdout, what was paid and the receipt on stderr.
  tollgate channel list [--rpc-url URL] [--json]
      The batch-settlement channels in the channels file: charged so far, and on chain (with an RPC URL)
      the balance, what was claimed and what a refund would return.
  tollgate channel refund <url> [--amount N] [--rpc-url URL] [--json]
      Ask the seller at <url> to refund the channel's uncharged balance (or N atomic units of it).

Exit codes: 0 ok/paid, 1 failed, 2 usage, 3 payment refused, 4 over the spend cap, 5 no payable offer.
`

const OPTIONS = {
  method: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd' },
  max: { type: 'string' },
  wallet: { type: 'string' },
  'approve-permit2': { type: 'string' },
  'rpc-url': { type: 'string' },
  amount: { type: 'string' },
  args: { type: 'string' },
  as: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** TollgateError codes that have an exit code of their own. */
const EXIT_BY_CODE: Partial<Record<ErrorCode, ExitCode>> = {
  payment_refused: EXIT.refused,
  over_spend_cap: EXIT.overCap,
  no_payable_offer: EXIT.noPayableOffer,
  invalid_options: EXIT.usage,
  invalid_price: EXIT.usage,
}

/** Runs one command and resolves with its exit code; never throws. */
export async function run(argv: readonly string[], io: CliIO = processIO()): Promise<ExitCode> {
  let json = argv.includes('--json')
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true })
    json = values.json === true
    const [command, target, ...extra] = positionals
    if (values.help || command === undefined || command === 'help') {
      io.stdout(HELP)
      return command === undefined && !values.help ? EXIT.usage : EXIT.ok
    }
    if (command === 'mcp') {
      const mcpFlags = { ...(values.args !== undefined ? { args: values.args } : {}), ...(values.max !== undefined ? { max: values.max } : {}), ...(values.wallet !== undefined ? { wallet: values.wallet } : {}), ...(values.header ? { header: values.header } : {}), json }
      return await mcpCommand(target, extra, mcpFlags, io)
    }
    if (command === 'channel') {
      const channelFlags = { ...(values['rpc-url'] !== undefined ? { rpcUrl: values['rpc-url'] } : {}), ...(values.amount !== undefined ? { amount: values.amount } : {}), json }
      return await channelCommand(target, extra, channelFlags, io)
    }
    if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')} (quote values with spaces).`)
    const request = { ...(values.method ? { method: values.method } : {}), ...(values.header ? { header: values.header } : {}), ...(values.data !== undefined ? { data: values.data } : {}) }
    switch (command) {
      case 'inspect':
        return await inspectCommand(target, { ...request, json }, io)
      case 'discover':
        return await discoverCommand(target, { ...request, json }, io)
      case 'decode':
        return await decodeCommand(target, { ...(values.as ? { as: values.as } : {}), json }, io)
      case 'pay':
        return await payCommand(target, { ...request, ...(values.max !== undefined ? { max: values.max } : {}), ...(values.wallet !== undefined ? { wallet: values.wallet } : {}), ...(values['approve-permit2'] !== undefined ? { approvePermit2: values['approve-permit2'] } : {}), ...(values['rpc-url'] !== undefined ? { rpcUrl: values['rpc-url'] } : {}), json }, io)
      default:
        throw new UsageError(`Unknown command ${JSON.stringify(command)}: use inspect, discover, decode, pay, mcp or channel.`)
    }
  } catch (error) {
    return report(error, json, io)
  }
}

function report(error: unknown, json: boolean, io: CliIO): ExitCode {
  const usage = error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
  if (usage) {
    const message = (error as Error).message
    if (json) io.stdout(JSON.stringify({ error: { code: 'usage', message } }))
    else io.stderr(`tollgate: ${message}\nRun tollgate --help for usage.`)
    return EXIT.usage
  }
  if (isTollgateError(error)) {
    if (json) io.stdout(JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } }))
    else io.stderr(`tollgate: ${error.message} [${error.code}]`)
    return EXIT_BY_CODE[error.code] ?? EXIT.failed
  }
  const message = error instanceof Error ? `${error.message}${causeOf(error)}` : String(error)
  if (json) io.stdout(JSON.stringify({ error: { code: 'failed', message } }))
  else io.stderr(`tollgate: ${message}`)
  return EXIT.failed
}

/** fetch's "fetch failed" says little; its cause says what (ECONNREFUSED...). */
function causeOf(error: Error): string {
  const cause = error.cause
  return cause instanceof Error ? ` (${cause.message})` : ''
}
