// A paid MCP tool that asks for discovery publishes a bazaar declaration for its tool in its payment-required
// result: its name, description and input schema as tools/list shows them; the reference readers extract it.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { exact, type PaymentRequired } from '@tollgate/x402'
import { createTestFacilitator } from '@tollgate/x402/testing'
import { extractDiscoveryInfo, validateDiscoveryExtension, type DiscoveryExtension } from '@x402/extensions/bazaar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { paidTool } from './index.js'
import { connectClient, serveMcp, type McpHttp } from './test-support.js'

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const facilitator = createTestFacilitator()
const accepts = exact({ amount: 2000, network: 'base-sepolia', payTo: PAY_TO })
let mcp: McpHttp
let client: Client

beforeAll(async () => {
  mcp = await serveMcp((server) => {
    paidTool(
      server,
      'analyse',
      { accepts, facilitator, resource: 'https://api.example.com/mcp', discovery: { example: { ticker: 'AAPL' }, output: { example: { score: 8 } } } },
      { description: 'Analyse a ticker', inputSchema: { ticker: z.string(), depth: z.enum(['quick', 'deep']).optional() } },
      async ({ ticker }) => ({ content: [{ type: 'text', text: `${ticker}: 8` }] }),
    )
    paidTool(server, 'plain', { accepts, facilitator }, { inputSchema: { q: z.string() } }, async () => ({ content: [{ type: 'text', text: 'ok' }] }))
  })
  client = await connectClient(mcp.url)
})

afterAll(async () => {
  await client?.close()
  await mcp?.close()
})

async function required(name: string, args: Record<string, unknown>): Promise<PaymentRequired> {
  const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent?: PaymentRequired }
  expect(result.isError).toBe(true)
  return result.structuredContent!
}

describe('discovery for paid MCP tools', () => {
  it('publishes the tool: its name, description and the input schema tools/list shows', async () => {
    const { tools } = await client.listTools()
    const listed = tools.find((tool) => tool.name === 'analyse')!
    const paymentRequired = await required('analyse', { ticker: 'AAPL' })
    const extension = paymentRequired.extensions!.bazaar as DiscoveryExtension
    expect(extension.info).toEqual({
      input: { type: 'mcp', toolName: 'analyse', description: 'Analyse a ticker', inputSchema: listed.inputSchema, example: { ticker: 'AAPL' } },
      output: { type: 'json', example: { score: 8 } },
    })
    expect(validateDiscoveryExtension(extension)).toEqual({ valid: true })
    const payment = { x402Version: 2, resource: paymentRequired.resource, accepted: paymentRequired.accepts[0], payload: {}, extensions: paymentRequired.extensions }
    expect(extractDiscoveryInfo(payment as never, paymentRequired.accepts[0] as never)).toMatchObject({ toolName: 'analyse', resourceUrl: 'https://api.example.com/mcp' })
  })

  it('a tool that does not ask for discovery declares nothing', async () => {
    expect((await required('plain', { q: 'x' })).extensions).toBeUndefined()
  })
})
