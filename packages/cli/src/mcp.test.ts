// `tollgate mcp tools` and `tollgate mcp call`, the built CLI run as a child process against a paid MCP server
// (the real SDK over Streamable HTTP on 127.0.0.1, @tollgate/mcp, exact payments settled on anvil).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { exact, paidTool } from '@tollgate/mcp'
import { startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from '@tollgate/x402/anvil'
import { localFacilitator } from '@tollgate/x402/evm'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Address, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliPath, tollgate } from './test-support.js'
import { z } from 'zod'

const CHAIN_ID = 84532
const PRICE = 10_000n

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let buyerKey: string
let payTo: Address
let token: Address
let http: Server
let url: string

beforeAll(async () => {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: build the CLI first (npx turbo run build --filter=@tollgate/cli...).`)
  ;({ anvil, owner, buyer, payTo, token } = await startUsdcChain({ chainId: CHAIN_ID }))
  buyerKey = anvil.privateKeys[1]!
  const facilitator = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50 })
  const options = { accepts: exact({ amount: PRICE, network: `eip155:${CHAIN_ID}`, payTo, asset: { address: token, name: 'USDC', version: '2' } }), facilitator }
  http = createServer(async (req, res) => {
    const server = new McpServer({ name: 'cli-test', version: '1.0.0' })
    server.registerTool('ping', { description: 'Free health check' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }))
    paidTool(server, 'weather', options, { description: 'Weather by city', inputSchema: { city: z.string() } }, async ({ city }) => ({ content: [{ type: 'text', text: `sunny in ${city}` }] }))
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    res.on('close', () => void transport.close().then(() => server.close()))
    await server.connect(transport)
    await transport.handleRequest(req, res)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`
}, 60_000)

afterAll(async () => {
  http?.closeAllConnections()
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()))
  await anvil?.stop()
})

describe('tollgate mcp tools', () => {
  it('lists the tools with the paid one\'s price', async () => {
    const run = await tollgate(['mcp', 'tools', url])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('2 tools at')
    expect(run.stdout).toMatch(/weather\s*│\s*\$0\.01 exact on eip155:84532/)
    expect(run.stdout).toMatch(/ping\s*│\s*free/)
  })

  it('prints JSON with --json', async () => {
    const run = await tollgate(['mcp', 'tools', url, '--json'])
    const doc = JSON.parse(run.stdout) as { tools: { name: string; accepts: unknown }[] }
    expect(doc.tools.find((tool) => tool.name === 'weather')?.accepts).toEqual([{ scheme: 'exact', network: `eip155:${CHAIN_ID}`, amount: '10000', asset: token, payTo, decimals: 6 }])
  })
})

describe('tollgate mcp call', () => {
  it('pays the tool, prints the result and the receipt, exits 0; balances move by the price', async () => {
    const before = await usdcBalance(owner, token, buyer.address)
    const run = await tollgate(['mcp', 'call', url, 'weather', '--args', '{"city":"Oslo"}'], { TOLLGATE_PRIVATE_KEY: buyerKey })
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe('sunny in Oslo')
    expect(run.stderr).toContain(`Paid 10000 ($0.01) of ${token} on eip155:${CHAIN_ID} to ${payTo} with exact-evm.`)
    expect(run.stderr).toMatch(/Receipt: settled on eip155:84532 from 0x[0-9a-fA-F]{40}, transaction 0x[0-9a-f]{64}\./)
    expect(before - (await usdcBalance(owner, token, buyer.address))).toBe(PRICE)
  })

  it('prints one JSON document with --json', async () => {
    const run = await tollgate(['mcp', 'call', url, 'weather', '--args', '{"city":"Rome"}', '--json'], { TOLLGATE_PRIVATE_KEY: buyerKey })
    const doc = JSON.parse(run.stdout) as { paid: boolean; receipt: { success: boolean }; result: { content: unknown[] } }
    expect(doc).toMatchObject({ paid: true, receipt: { success: true }, result: { content: [{ type: 'text', text: 'sunny in Rome' }] } })
  })

  it('exits 4 above --max, paying nothing', async () => {
    const before = await usdcBalance(owner, token, buyer.address)
    const run = await tollgate(['mcp', 'call', url, 'weather', '--args', '{"city":"Oslo"}', '--max', '$0.005'], { TOLLGATE_PRIVATE_KEY: buyerKey })
    expect(run.code).toBe(4)
    expect(run.stderr).toContain('[over_spend_cap]')
    expect(await usdcBalance(owner, token, buyer.address)).toBe(before)
  })

  it('calls a free tool without paying', async () => {
    const run = await tollgate(['mcp', 'call', url, 'ping'], { TOLLGATE_PRIVATE_KEY: buyerKey })
    expect(run).toMatchObject({ code: 0, stdout: 'pong\n' })
    expect(run.stderr).toContain('Nothing to pay.')
  })

  it('calls a free tool with no key set at all', async () => {
    const run = await tollgate(['mcp', 'call', url, 'ping'], { TOLLGATE_PRIVATE_KEY: '', NVM_API_KEY: '' })
    expect(run).toMatchObject({ code: 0, stdout: 'pong\n' })
  })

  it('with no key, a paid tool is not paid: it says what the tool costs and how to pay, exits 2 (no key, as tollgate pay); no money moves', async () => {
    const before = await usdcBalance(owner, token, buyer.address)
    const run = await tollgate(['mcp', 'call', url, 'weather', '--args', '{"city":"Oslo"}'], { TOLLGATE_PRIVATE_KEY: '', NVM_API_KEY: '' })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`Tool weather costs 10000 atomic exact on eip155:${CHAIN_ID}.`)
    expect(run.stderr).toContain('No key to pay with: set TOLLGATE_PRIVATE_KEY')
    expect(run.stdout).not.toContain('sunny')
    expect(await usdcBalance(owner, token, buyer.address)).toBe(before)
  })

  it('exits 2 on bad --args or a missing tool name', async () => {
    expect((await tollgate(['mcp', 'call', url, 'weather', '--args', '[1]'], { TOLLGATE_PRIVATE_KEY: buyerKey })).code).toBe(2)
    expect((await tollgate(['mcp', 'call', url], { TOLLGATE_PRIVATE_KEY: buyerKey })).code).toBe(2)
  })
})
