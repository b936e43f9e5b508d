// A paid MCP server over stdio, for stdio.test.ts: the built @tollgate/mcp on the real SDK, exact payments
// settled on the anvil chain the test started (its RPC URL, token and payee come in the environment).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { exact, paidTool } from '@tollgate/mcp'
import { localFacilitator } from '@tollgate/x402/evm'
import { z } from 'zod'

const { RPC_URL, SETTLER_KEY, TOKEN, PAY_TO, CHAIN_ID } = process.env
const facilitator = localFacilitator({ rpcUrl: RPC_URL, settler: SETTLER_KEY, pollingIntervalMs: 50 })
const accepts = exact({ amount: 10_000n, network: `eip155:${CHAIN_ID}`, payTo: PAY_TO, asset: { address: TOKEN, name: 'USDC', version: '2' } })

const server = new McpServer({ name: 'stdio-paid', version: '1.0.0' })
server.registerTool('ping', {}, async () => ({ content: [{ type: 'text', text: 'pong' }] }))
paidTool(server, 'echo', { accepts, facilitator }, { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }))
await server.connect(new StdioServerTransport())
