// The other way to charge for MCP: an HTTP paywall (the core's paywall.protect) in front of a whole Streamable
// HTTP endpoint. Every POST is then an ordinary x402 HTTP resource answered with HTTP 402, and a client pays it by
// giving the SDK transport the core's paying fetch. docs/mcp.md says so; this shows it works with the real SDK.
import { serve } from '@hono/node-server'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { createPaywall, exact, type PaywallEvent } from '@tollgate/x402'
import { wrapFetch, type Payer } from '@tollgate/x402/client'
import { createTestFacilitator } from '@tollgate/x402/testing'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'

const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const facilitator = createTestFacilitator()
const events: PaywallEvent[] = []
let url: string
let close: () => Promise<void>

beforeAll(async () => {
  facilitator.fund(BUYER, 1_000_000, { asset: USDC })
  const paywall = createPaywall({
    routes: { 'POST /mcp': exact({ amount: 1000, network: 'base-sepolia', payTo: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' }) },
    facilitator,
    onEvent: (event) => events.push(event),
  })
  const app = paywall.protect(async (request) => {
    const server = new McpServer({ name: 'behind-a-paywall', version: '1.0.0' })
    server.registerTool('ping', {}, async () => ({ content: [{ type: 'text', text: 'pong' }] }))
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    await server.connect(transport)
    return transport.handleRequest(request)
  })
  await new Promise<void>((resolve) => {
    const server = serve({ fetch: app, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}/mcp`
      resolve()
    })
    close = () => new Promise<void>((done) => server.close(() => done()))
  })
})

afterAll(() => close?.())

it('an SDK client whose transport fetch is wrapFetch pays each HTTP 402 of the endpoint', async () => {
  const payer: Payer = { name: 'test', canPay: () => true, pay: async ({ offer }) => facilitator.mint({ payer: BUYER, requirements: offer.requirements, resource: offer.resource }) }
  const unpaid = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' })
  expect(unpaid.status).toBe(402)
  const before = facilitator.balance(BUYER, { asset: USDC })
  const client = new Client({ name: 'agent', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: wrapFetch(fetch, { payers: [payer] }) }))
  try {
    expect((await client.callTool({ name: 'ping', arguments: {} })).content).toEqual([{ type: 'text', text: 'pong' }])
  } finally {
    await client.close()
  }
  const settled = events.filter((event) => event.type === 'settle.success').length
  expect(settled).toBeGreaterThanOrEqual(2) // initialize, its notification, the call: each POST is paid
  expect(before - facilitator.balance(BUYER, { asset: USDC })).toBe(BigInt(settled) * 1000n)
})
