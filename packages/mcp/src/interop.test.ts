// Interop with the x402 MCP transport as its spec writes it (specs/transports-v2/mcp.md). The reference package
// @x402/mcp is not in the npm registry (npm view @x402/mcp: E404), so both directions are tested against the
// spec's wire examples instead:
// - a client written from the spec alone (raw JSON-RPC over HTTP, no SDK client, no Tollgate buyer code) pays
//   a Tollgate paid tool;
// - withPayments pays a tool that answers exactly as the spec's examples show (both the current format and the
//   older `x402/error` text wrapper), written on the bare MCP SDK without Tollgate's seller code.
// Exact payments are settled on anvil in TestUSDC; balances are read off the chain.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { encodeBase64Json, exact, readProof, type PaymentRequirements } from '@tollgate/x402'
import { startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from '@tollgate/x402/anvil'
import { createExactPayment, exactPayer, localFacilitator } from '@tollgate/x402/evm'
import type { Address, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { paidTool, withPayments } from './index.js'
import { connectClient, serveMcp, type McpHttp } from './test-support.js'

const CHAIN_ID = 84532
const PRICE = 10_000n

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let facilitator: ReturnType<typeof localFacilitator>
let offer: PaymentRequirements
let tollgate: McpHttp
let specServer: McpHttp

beforeAll(async () => {
  ;({ anvil, owner, buyer, payTo, token } = await startUsdcChain({ chainId: CHAIN_ID }))
  facilitator = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50 })
  const option = exact({ amount: PRICE, network: `eip155:${CHAIN_ID}`, payTo, asset: { address: token, name: 'USDC', version: '2' } })
  offer = option.requirements
  const options = { accepts: option, facilitator, description: 'Advanced financial analysis tool', mimeType: 'application/json' }
  tollgate = await serveMcp((server) => {
    paidTool(server, 'financial_analysis', options, { inputSchema: { ticker: z.string(), analysis_type: z.string() } }, async ({ ticker }) => ({
      content: [{ type: 'text', text: `Financial analysis for ${ticker}: strong fundamentals` }],
    }))
  })
  specServer = await serveMcp(registerSpecTools)
}, 60_000)

afterAll(async () => {
  await tollgate?.close()
  await specServer?.close()
  await anvil?.stop()
})

const balanceOf = (holder: Address) => usdcBalance(owner, token, holder)

// ---- A client from the spec's wire facts: JSON-RPC 2.0 POSTed to the Streamable HTTP endpoint. ----

let nextId = 1
async function rpc(url: string, method: string, params: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  })
  expect(response.status).toBe(200) // the payment signal travels in the JSON-RPC result, never as HTTP 402
  const text = await response.text()
  // The SDK answers one JSON-RPC message as an SSE event (`data: {...}`), or as plain JSON.
  const json = response.headers.get('content-type')?.includes('text/event-stream') ? text.split('\n').find((line) => line.startsWith('data: '))!.slice(6) : text
  const message = JSON.parse(json) as { result?: Record<string, unknown>; error?: unknown }
  expect(message.error).toBeUndefined()
  return message.result!
}

/** The spec's client rule: structuredContent with x402Version and accepts, else content[0].text parsed. */
function specPaymentRequired(result: Record<string, unknown>): { x402Version: number; resource: Record<string, unknown>; accepts: PaymentRequirements[] } | undefined {
  if (result.isError !== true) return undefined
  const structured = result.structuredContent as Record<string, unknown> | undefined
  if (structured && 'x402Version' in structured && 'accepts' in structured) return structured as never
  const text = (result.content as { text: string }[])[0]!.text
  const parsed = JSON.parse(text) as Record<string, unknown>
  return 'x402Version' in parsed && 'accepts' in parsed ? (parsed as never) : undefined
}

describe('a client written from the spec pays a Tollgate paid tool', () => {
  it('reads the PaymentRequired, sends the PaymentPayload in _meta["x402/payment"], gets the SettlementResponse in _meta["x402/payment-response"]', async () => {
    const url = tollgate.url
    await rpc(url, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'spec-client', version: '1.0.0' } })
    const args = { ticker: 'AAPL', analysis_type: 'deep' }
    const first = await rpc(url, 'tools/call', { name: 'financial_analysis', arguments: args })
    const paymentRequired = specPaymentRequired(first)!
    expect(paymentRequired).toMatchObject({ x402Version: 2, resource: { url: 'mcp://tool/financial_analysis', description: 'Advanced financial analysis tool', mimeType: 'application/json' } })
    // Both forms carry the same object, as the spec requires.
    expect(JSON.parse((first.content as { text: string }[])[0]!.text)).toEqual(first.structuredContent)
    const accepted = paymentRequired.accepts[0]!
    expect(accepted).toMatchObject({ scheme: 'exact', network: `eip155:${CHAIN_ID}`, amount: '10000', asset: token, payTo, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' } })

    // The EIP-3009 signature is the exact scheme's business; the MCP envelope around it is built here by hand.
    const signed = await createExactPayment({ account: buyer, requirements: accepted })
    const payment = { x402Version: 2, resource: paymentRequired.resource, accepted, payload: signed.payload.payload }
    const before = await balanceOf(buyer.address)
    const paid = await rpc(url, 'tools/call', { name: 'financial_analysis', arguments: args, _meta: { 'x402/payment': payment } })
    expect(paid.isError).toBeUndefined()
    expect(paid.content).toEqual([{ type: 'text', text: 'Financial analysis for AAPL: strong fundamentals' }])
    const receipt = (paid._meta as Record<string, Record<string, unknown>>)['x402/payment-response']!
    expect(receipt).toMatchObject({ success: true, network: `eip155:${CHAIN_ID}`, payer: buyer.address })
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(before - (await balanceOf(buyer.address))).toBe(PRICE)
  })
})

// ---- A server from the spec's examples, on the bare MCP SDK, settling with localFacilitator. ----

const seen: unknown[] = []

function registerSpecTools(server: McpServer): void {
  const resource = (name: string) => ({ url: `mcp://tool/${name}`, description: 'Advanced financial analysis tool', mimeType: 'application/json' })
  const paymentRequired = (name: string) => ({ x402Version: 2, error: 'Payment required to access this resource', resource: resource(name), accepts: [offer] })
  const tool = (name: string, unpaid: () => Record<string, unknown>) =>
    server.registerTool(name, { inputSchema: { ticker: z.string() } }, async ({ ticker }, extra) => {
      const payment = extra._meta?.['x402/payment'] as { accepted: PaymentRequirements } | undefined
      if (!payment) return unpaid() as never
      seen.push(payment)
      const header = encodeBase64Json(payment)
      const proof = readProof(new Headers({ 'PAYMENT-SIGNATURE': header }))
      if (!proof?.ok) throw new Error('unreadable payment')
      const request = { x402Version: 2 as const, token: header, proof: proof.value, requirements: offer, paymentRequired: paymentRequired(name) as never, amount: offer.amount! }
      const signal = AbortSignal.timeout(10_000)
      const verification = await facilitator.verify(request, signal)
      if (!verification.isValid) return unpaid() as never
      const settled = await facilitator.settle({ ...request, verification }, signal)
      return {
        content: [{ type: 'text', text: `Financial analysis for ${ticker}: strong fundamentals` }],
        _meta: { 'x402/payment-response': { success: settled.success, transaction: settled.transaction, network: settled.network, payer: settled.payer } },
      }
    })
  // The current spec: structuredContent and content[0].text, the same PaymentRequired.
  tool('financial_analysis', () => {
    const body = paymentRequired('financial_analysis')
    return { isError: true, structuredContent: body, content: [{ type: 'text', text: JSON.stringify(body) }] }
  })
  // The older format: no structuredContent, the `x402/error` wrapper in content[0].text.
  tool('legacy_analysis', () => ({
    isError: true,
    content: [{ type: 'text', text: JSON.stringify({ 'x402/error': { code: 402, message: 'Payment required', data: paymentRequired('legacy_analysis') } }) }],
  }))
}

describe('withPayments pays a tool that answers as the spec\'s examples show', () => {
  for (const name of ['financial_analysis', 'legacy_analysis']) {
    it(`${name}: pays once, the payload is the spec's PaymentPayload, the receipt is read from _meta`, async () => {
      const client = await connectClient(specServer.url)
      try {
        const before = await balanceOf(buyer.address)
        const result = await withPayments(client, { payers: [exactPayer(buyer)] }).callTool({ name, arguments: { ticker: 'AAPL' } })
        expect(result.content).toEqual([{ type: 'text', text: 'Financial analysis for AAPL: strong fundamentals' }])
        expect(seen.at(-1)).toMatchObject({ x402Version: 2, resource: { url: `mcp://tool/${name}` }, accepted: offer, payload: { signature: expect.stringMatching(/^0x/), authorization: { from: buyer.address, to: payTo, value: '10000' } } })
        expect((result._meta as Record<string, unknown>)['x402/payment-response']).toMatchObject({ success: true })
        expect(before - (await balanceOf(buyer.address))).toBe(PRICE)
      } finally {
        await client.close()
      }
    })
  }
})
