// Paid MCP tools end to end with real parts: the MCP SDK server over Streamable HTTP on 127.0.0.1, the SDK
// client, exact payments in TestUSDC settled on anvil by localFacilitator. Balances are read off the chain.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { fileURLToPath } from 'node:url'
import { exact, type PaymentRequired, type PaymentRequirements } from '@tollgate/x402'
import { startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from '@tollgate/x402/anvil'
import { createExactPayment, exactPayer, localFacilitator } from '@tollgate/x402/evm'
import type { Address, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { getToolPayment, paidTool, withPayments, PRICE_META_KEY, type PaidToolOptions } from './index.js'
import { connectClient, serveMcp, type McpHttp } from './test-support.js'

const CHAIN_ID = 84532
const PRICE = 10_000n

let anvil: AnvilInstance
let settlerKey: `0x${string}`
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let mcp: McpHttp
let client: Client
let offer: PaymentRequirements
const ran: string[] = []

beforeAll(async () => {
  ;({ anvil, owner, buyer, payTo, token, settlerKey } = await startUsdcChain({ chainId: CHAIN_ID }))
  const facilitator = localFacilitator({ rpcUrl: anvil.rpcUrl, settler: settlerKey, pollingIntervalMs: 50 })
  const weather = exact({ amount: PRICE, network: `eip155:${CHAIN_ID}`, payTo, asset: { address: token, name: 'USDC', version: '2' } })
  offer = weather.requirements
  const paidOptions: PaidToolOptions = { accepts: weather, facilitator, description: 'Weather by city' }
  mcp = await serveMcp((server) => {
    server.registerTool('ping', { description: 'Free' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }))
    paidTool(server, 'weather', paidOptions, { description: 'The weather', inputSchema: { city: z.string() } }, async ({ city }, extra) => {
      ran.push(`weather:${city}`)
      return { content: [{ type: 'text', text: `sunny in ${city}, paid by ${extra.payment.payment?.payer}` }] }
    })
    paidTool(server, 'forecast', paidOptions, { inputSchema: { city: z.string() } }, async ({ city }) => {
      ran.push(`forecast:${city}`)
      return { content: [{ type: 'text', text: `rain in ${city}` }] }
    })
    paidTool(server, 'broken', paidOptions, {}, async () => {
      ran.push('broken')
      throw new Error('upstream down')
    })
    paidTool(server, 'refuses', paidOptions, {}, async () => {
      ran.push('refuses')
      return { isError: true, content: [{ type: 'text', text: 'no such city' }] }
    })
    paidTool(server, 'typed', paidOptions, { outputSchema: { temperature: z.number() } }, async () => {
      ran.push('typed')
      return { content: [{ type: 'text', text: 'warm' }], structuredContent: { temperature: 'warm' as unknown as number } }
    })
  })
  client = await connectClient(mcp.url)
}, 60_000)

afterAll(async () => {
  await client?.close()
  await mcp?.close()
  await anvil?.stop()
})

const balances = async () => ({ buyer: await usdcBalance(owner, token, buyer.address), seller: await usdcBalance(owner, token, payTo) })

/** A tools/call with `_meta["x402/payment"]` set by hand, as any client on the wire would send it. */
function callWith(name: string, args: Record<string, unknown>, payment: unknown) {
  return client.callTool({ name, arguments: args, _meta: { 'x402/payment': payment } })
}

async function signFor(tool: string, requirements: PaymentRequirements = offer, now?: number) {
  const payment = await createExactPayment({ account: buyer, requirements, resource: { url: `mcp://tool/${tool}` }, ...(now ? { now } : {}) })
  return payment.payload
}

function required(result: unknown): PaymentRequired {
  const r = result as { isError?: boolean; structuredContent?: PaymentRequired; content: { type: string; text: string }[] }
  expect(r.isError).toBe(true)
  expect(r.content[0]!.text).toBe(JSON.stringify(r.structuredContent))
  return r.structuredContent!
}

describe('a paid tool beside a free one', () => {
  it('lists both, the paid one with what it accepts', async () => {
    const { tools } = await client.listTools()
    const weather = tools.find((tool) => tool.name === 'weather')!
    expect(tools.find((tool) => tool.name === 'ping')?._meta?.[PRICE_META_KEY]).toBeUndefined()
    expect(weather._meta?.[PRICE_META_KEY]).toEqual([{ scheme: 'exact', network: `eip155:${CHAIN_ID}`, amount: '10000', asset: token, payTo, decimals: 6 }])
  })

  it('answers an unpaid call with the spec\'s payment-required result, over HTTP 200, without running the tool', async () => {
    const before = ran.length
    const statuses = mcp.statuses.length
    const result = await client.callTool({ name: 'weather', arguments: { city: 'Oslo' } })
    const paymentRequired = required(result)
    expect(paymentRequired).toMatchObject({ x402Version: 2, error: 'Payment required', resource: { url: 'mcp://tool/weather', description: 'Weather by city' } })
    expect(paymentRequired.accepts).toEqual([offer])
    expect(ran.length).toBe(before)
    expect(mcp.statuses.slice(statuses)).toEqual([200])
  })

  it('runs the free tool without a payment', async () => {
    expect(await client.callTool({ name: 'ping', arguments: {} })).toMatchObject({ content: [{ type: 'text', text: 'pong' }] })
  })
})

describe('withPayments', () => {
  it('pays the price once on chain, retries once, and returns the result with the receipt in _meta', async () => {
    const before = await balances()
    const paying = withPayments(client, { payers: [exactPayer(buyer)], maxAmount: '$0.05' })
    const result = await paying.callTool({ name: 'weather', arguments: { city: 'Oslo' } })
    expect(result.isError).toBeFalsy()
    expect(result.content).toEqual([{ type: 'text', text: `sunny in Oslo, paid by ${buyer.address}` }])
    const receipt = (result._meta as Record<string, { success: boolean; transaction: string }>)['x402/payment-response']!
    expect(receipt).toMatchObject({ success: true, network: `eip155:${CHAIN_ID}` })
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(getToolPayment(result)).toMatchObject({ payer: 'exact-evm', receipt: { transaction: receipt.transaction } })
    const after = await balances()
    expect(before.buyer - after.buyer).toBe(PRICE)
    expect(after.seller - before.seller).toBe(PRICE)
  })

  it('calls a free tool without paying, and the rest of the client is the client', async () => {
    const paying = withPayments(client, { payers: [exactPayer(buyer)] })
    const result = await paying.callTool({ name: 'ping', arguments: {} })
    expect(getToolPayment(result)).toBeUndefined()
    expect((await paying.listTools()).tools.length).toBe(6)
  })

  it('refuses an offer above the spend cap: nothing is signed or charged', async () => {
    const before = await balances()
    const paying = withPayments(client, { payers: [exactPayer(buyer)], maxAmount: 9_999n })
    await expect(paying.callTool({ name: 'weather', arguments: { city: 'Oslo' } })).rejects.toMatchObject({ code: 'over_spend_cap' })
    expect(await balances()).toEqual(before)
  })

  it('lets beforePay see the price and decline', async () => {
    const seen: bigint[] = []
    const paying = withPayments(client, { payers: [exactPayer(buyer)], beforePay: ({ amount }) => (seen.push(amount!), false) })
    await expect(paying.callTool({ name: 'weather', arguments: { city: 'Oslo' } })).rejects.toMatchObject({ code: 'payment_declined' })
    expect(seen).toEqual([PRICE])
  })
})

describe('settle only on a delivered result', () => {
  it('does not charge a tool that throws, and says why', async () => {
    const before = await balances()
    const paying = withPayments(client, { payers: [exactPayer(buyer)] })
    const result = await paying.callTool({ name: 'broken', arguments: {} })
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'upstream down (nothing was charged)' }] })
    expect(ran).toContain('broken')
    expect(await balances()).toEqual(before)
  })

  it('does not charge a tool that returns isError, and hands its result through', async () => {
    const before = await balances()
    const result = await withPayments(client, { payers: [exactPayer(buyer)] }).callTool({ name: 'refuses', arguments: {} })
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'no such city' }] })
    expect((result._meta as Record<string, unknown> | undefined)?.['x402/payment-response']).toBeUndefined()
    expect(await balances()).toEqual(before)
  })

  it('does not charge a result that breaks the tool\'s output schema (the SDK would refuse it)', async () => {
    const before = await balances()
    const result = await withPayments(client, { payers: [exactPayer(buyer)] }).callTool({ name: 'typed', arguments: {} })
    expect(result).toMatchObject({ isError: true })
    expect(JSON.stringify(result.content)).toContain('nothing was charged')
    expect(await balances()).toEqual(before)
  })
})

describe('payments that must not pay', () => {
  it('a single-use payment pays one call: sent again it is refused with the requirements, not charged twice', async () => {
    const payment = await signFor('weather')
    const before = await balances()
    expect((await callWith('weather', { city: 'Rome' }, payment)).isError).toBeFalsy()
    const again = await callWith('weather', { city: 'Paris' }, payment)
    expect(required(again)).toMatchObject({ error: 'payment_already_used', accepts: [offer] })
    expect(ran).not.toContain('weather:Paris')
    expect((await balances()).buyer).toBe(before.buyer - PRICE)
  })

  it('concurrent replays of one payment are charged once and run the tool once', async () => {
    const payment = await signFor('weather')
    const before = await balances()
    const count = ran.filter((entry) => entry === 'weather:Lima').length
    const results = await Promise.all(Array.from({ length: 4 }, () => callWith('weather', { city: 'Lima' }, payment)))
    const delivered = results.filter((result) => !result.isError)
    expect(delivered).toHaveLength(1)
    for (const refused of results.filter((result) => result.isError)) {
      expect(['payment_in_use', 'payment_already_used']).toContain(required(refused).error)
    }
    expect(ran.filter((entry) => entry === 'weather:Lima').length - count).toBe(1)
    expect((await balances()).buyer).toBe(before.buyer - PRICE)
  })

  it('a payment made for another tool is refused with this tool\'s requirements', async () => {
    const before = await balances()
    const result = await callWith('forecast', { city: 'Bern' }, await signFor('weather'))
    const paymentRequired = required(result)
    expect(paymentRequired.error).toContain('payment_for_another_resource')
    expect(paymentRequired.resource.url).toBe('mcp://tool/forecast')
    expect(ran).not.toContain('forecast:Bern')
    expect(await balances()).toEqual(before)
  })

  it('a payment for another price is refused', async () => {
    const result = await callWith('weather', { city: 'Bern' }, await signFor('weather', { ...offer, amount: '5000' }))
    expect(required(result)).toMatchObject({ error: 'no_matching_requirements', accepts: [offer] })
    expect(ran).not.toContain('weather:Bern')
  })

  it('an expired authorization is refused by verification', async () => {
    const before = await balances()
    const result = await callWith('weather', { city: 'Bern' }, await signFor('weather', offer, Math.floor(Date.now() / 1000) - 3600))
    expect(required(result).error).toBe('invalid_exact_evm_payload_authorization_valid_before')
    expect(ran).not.toContain('weather:Bern')
    expect(await balances()).toEqual(before)
  })

  it('malformed and oversized payments get the requirements with a reason, never an exception', async () => {
    const before = await balances()
    const cases: [unknown, string][] = [
      ['not base64 at all', 'malformed_payment'],
      ['eyJub3QiOiJhIHBheW1lbnQifQ==', 'malformed_payment'], // base64 of {"not":"a payment"}
      [{ x402Version: 2, accepted: 'no' }, 'malformed_payment'],
      [{ x402Version: 9 }, 'unsupported_version'],
      [42, 'malformed_payment'],
      [[1, 2], 'malformed_payment'],
      ['x'.repeat(20_000), 'header_too_large'],
      [{ x402Version: 2, big: 'x'.repeat(20_000) }, 'header_too_large'],
      ['ünïcode', 'malformed_payment'],
    ]
    for (const [payment, reason] of cases) {
      const paymentRequired = required(await callWith('weather', { city: 'Bern' }, payment))
      expect(paymentRequired.accepts).toEqual([offer])
      expect(paymentRequired.error).toBe(reason)
    }
    expect(await balances()).toEqual(before)
    expect(ran).not.toContain('weather:Bern')
  })
})

describe('over stdio', () => {
  it('a paid tool in a child process is paid on chain by withPayments over StdioClientTransport', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [fileURLToPath(new URL('./stdio-server.fixture.mjs', import.meta.url))],
      env: { PATH: process.env.PATH ?? '', RPC_URL: anvil.rpcUrl, SETTLER_KEY: settlerKey, TOKEN: token, PAY_TO: payTo, CHAIN_ID: String(CHAIN_ID) },
      stderr: 'pipe',
    })
    const stdio = new Client({ name: 'stdio-agent', version: '1.0.0' })
    await stdio.connect(transport)
    try {
      const before = await balances()
      expect(required(await stdio.callTool({ name: 'echo', arguments: { text: 'hi' } })).resource.url).toBe('mcp://tool/echo')
      const result = await withPayments(stdio, { payers: [exactPayer(buyer)] }).callTool({ name: 'echo', arguments: { text: 'hi' } })
      expect(result.content).toEqual([{ type: 'text', text: 'hi' }])
      expect((result._meta as Record<string, unknown>)['x402/payment-response']).toMatchObject({ success: true })
      const after = await balances()
      expect(before.buyer - after.buyer).toBe(PRICE)
      expect(after.seller - before.seller).toBe(PRICE)
    } finally {
      await stdio.close()
    }
  })
})
