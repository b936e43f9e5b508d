// `npm run demo -- --mcp`: a paid MCP server (the official SDK over Streamable HTTP on 127.0.0.1, @tollgate/mcp)
// on the local chain, and an agent (the SDK client with withPayments) that lists the tools, reads the price, pays,
// and prints the result and the receipt. Throws on anything unexpected, so that the demo exits non-zero.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { exact, getToolPayment, paidTool, PRICE_META_KEY, readReceipt, withPayments } from '@tollgate/mcp'
import { paymentIdentifier } from '@tollgate/x402/extensions'
import { exactPayer, localFacilitator } from '@tollgate/x402/evm'
import { createServer } from 'node:http'
import { z } from 'zod'
import { SPEND_CAP } from './buyer.js'
import { USDC } from './chain.js'
import { balancesTable, dollars, paymentRequiredTable, receiptTable } from './show.js'

/** The price of one `forecast` call: $0.01 of TestUSDC. */
export const MCP_PRICE = 10_000n

/**
 * @typedef {import('./chain.js').DemoChain} DemoChain
 *
 * @param {{ chain: DemoChain, port: number, say: (line?: string) => void, onStop: (what: string, stop: () => Promise<void>) => void }} options
 */
export async function runMcpStory({ chain, port, say, onStop }) {
  const server = await serveTools(chain, port)
  onStop('the MCP server', server.close)
  say(`Paid MCP server on ${server.url} (Streamable HTTP): ping (free), forecast (${dollars(MCP_PRICE)} a call)`)

  const client = new Client({ name: 'demo-agent', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)))
  onStop('the MCP client', () => client.close())

  say('\n== tools/list')
  const { tools } = await client.listTools()
  for (const tool of tools) {
    const accepts = /** @type {{ amount?: string, scheme: string, network: string }[] | undefined} */ (tool._meta?.[PRICE_META_KEY])
    const price = accepts ? accepts.map((offer) => `${offer.amount ? dollars(offer.amount) : 'credits'} (${offer.scheme} on ${offer.network})`).join(' or ') : 'free'
    say(`  ${tool.name}: ${tool.description ?? ''} - ${price}`)
  }

  const agent = withPayments(client, {
    payers: [exactPayer(chain.buyer)],
    maxAmount: SPEND_CAP,
    beforePay({ demand, offer, payer }) {
      say('<- payment-required tool result (isError, PaymentRequired in structuredContent)')
      const asked = /** @type {import('@tollgate/x402').PaymentRequired} */ (demand.paymentRequired)
      say(paymentRequiredTable(asked))
      say(`   extensions: ${Object.keys(asked.extensions ?? {}).sort().join(', ') || 'none'} (discovery metadata for the tool, and payment ids)`)
      say(`-> paying with ${offer.requirements.scheme} on ${offer.requirements.network} (${payer}), the proof in _meta["x402/payment"], and calling again`)
    },
  })

  say('\n== tools/call ping (free)')
  const pong = await agent.callTool({ name: 'ping', arguments: {} })
  if (getToolPayment(pong)) throw new Error('ping was paid for; it is free.')
  say(`<- ${textOf(pong)}`)

  say('\n== tools/call forecast {"city":"Lisbon"}')
  const before = { buyer: await chain.balanceOf(chain.buyer.address), seller: await chain.balanceOf(chain.seller) }
  const result = await agent.callTool({ name: 'forecast', arguments: { city: 'Lisbon' } })
  if (result.isError) throw new Error(`forecast answered an error after paying: ${textOf(result)}`)
  say(`<- ${textOf(result)}`)
  const receipt = readReceipt(result)
  if (!receipt) throw new Error('forecast answered without _meta["x402/payment-response"].')
  say('receipt from _meta["x402/payment-response"]:')
  say(receiptTable(receipt))
  if (!receipt.success) throw new Error(`the receipt says the settlement failed (${String(receipt.errorReason)}).`)
  const after = { buyer: await chain.balanceOf(chain.buyer.address), seller: await chain.balanceOf(chain.seller) }
  say(
    balancesTable([
      { label: 'buyer', address: chain.buyer.address, before: before.buyer, after: after.buyer },
      { label: 'seller', address: chain.seller, before: before.seller, after: after.seller },
    ]),
  )
  if (before.buyer - after.buyer !== MCP_PRICE || after.seller - before.seller !== MCP_PRICE) {
    throw new Error(`The balances moved by ${before.buyer - after.buyer} and ${after.seller - before.seller}, not by the price ${MCP_PRICE}.`)
  }
  say(`\nDone: the agent paid ${MCP_PRICE} atomic units (${dollars(MCP_PRICE)}) for one tool call, settled on chain ${chain.chainId}.`)
}

/**
 * The MCP server: stateless Streamable HTTP, a fresh McpServer per request as the SDK documents it; the paid
 * tool's options object is shared, so every request uses one paywall and one replay guard.
 *
 * @param {DemoChain} chain
 * @param {number} port
 */
async function serveTools(chain, port) {
  const facilitator = localFacilitator({ rpcUrl: chain.rpcUrl, settler: chain.settlerKey, pollingIntervalMs: 100 })
  const forecast = {
    accepts: exact({ amount: MCP_PRICE, network: `eip155:${chain.chainId}`, payTo: chain.seller, asset: { address: chain.asset, name: USDC.name, version: USDC.version } }),
    facilitator,
    description: 'Three-day forecast for a city',
    // Published for discovery (bazaar: the tool's name, description and input schema) and payment ids accepted.
    discovery: { example: { city: 'Lisbon' }, output: { example: { forecast: 'Lisbon: sunny, 24°C; cloudy, 21°C; rain, 18°C' } } },
    extensions: [paymentIdentifier()],
  }
  const http = createServer(async (req, res) => {
    const server = new McpServer({ name: 'tollgate-demo', version: '1.0.0' })
    server.registerTool('ping', { description: 'Is the server up?' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }))
    paidTool(server, 'forecast', forecast, { description: 'Three-day forecast', inputSchema: { city: z.string() } }, async ({ city }, extra) => ({
      content: [{ type: 'text', text: `${city}: sunny, 24°C; cloudy, 21°C; rain, 18°C (paid by ${extra.payment.payment?.payer})` }],
    }))
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    res.on('close', () => void transport.close().then(() => server.close()))
    try {
      await server.connect(transport)
      await transport.handleRequest(req, res)
    } catch {
      if (!res.headersSent) res.writeHead(500).end()
    }
  })
  await new Promise((resolve, reject) => http.once('error', reject).listen(port, '127.0.0.1', () => resolve(undefined)))
  const address = /** @type {import('node:net').AddressInfo} */ (http.address())
  return {
    url: `http://127.0.0.1:${address.port}/mcp`,
    close: () =>
      /** @type {Promise<void>} */ (
        new Promise((resolve) => {
          http.closeAllConnections()
          http.close(() => resolve())
        })
      ),
  }
}

/** @param {import('@modelcontextprotocol/sdk/types.js').CompatibilityCallToolResult} result */
function textOf(result) {
  const content = /** @type {{ type: string, text?: string }[]} */ (Array.isArray(result.content) ? result.content : [])
  return content.map((part) => (part.type === 'text' ? part.text : JSON.stringify(part))).join('\n')
}
