// Credit-plan payments through the test facilitator (its ledger, its faults), over the real MCP SDK server and
// client on Streamable HTTP: usage charges, per-call prices, a facilitator that hangs, errors or refuses to settle.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { exact, plan, type PaymentRequired, type PaymentRequirements } from '@tollgate/x402'
import { nvmPayer, type Payer } from '@tollgate/x402/client'
import { createTestFacilitator } from '@tollgate/x402/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { paid, paidTool, withPayments, type PaidToolOptions } from './index.js'
import { connectClient, serveMcp, type McpHttp } from './test-support.js'

const PLAN_ID = '1234567890123456789'
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'

const facilitator = createTestFacilitator({ plans: [{ planId: PLAN_ID, credits: 100 }] })
const runs: string[] = []
let mcp: McpHttp
let client: Client

const search = plan({ planId: PLAN_ID, agentId: '987654321', credits: 5 })
const searchOptions: PaidToolOptions = { accepts: search, facilitator, verifyTimeoutMs: 300, settleTimeoutMs: 300 }
const deliverOptions: PaidToolOptions = { accepts: search, facilitator, settleTimeoutMs: 300, onSettleFailure: 'deliver' }
// A price per call: 1000 atomic units per page asked for, read from the tool's arguments.
const perPage = exact({ amount: async (request) => 1000 * Number(((await request.json()) as { pages: number }).pages), network: 'base-sepolia', payTo: PAY_TO })
const perPageOptions: PaidToolOptions = { accepts: perPage, facilitator }
// Other options objects on the same facilitator: their own paywalls, the same replay guard.
const otherOptions: PaidToolOptions = { accepts: search, facilitator }
const fixed = exact({ amount: 2000, network: 'base-sepolia', payTo: PAY_TO })
// The seller opted in to idempotent retries: the same payment gets the same result again, not a second charge.
const keptOptions: PaidToolOptions = { accepts: exact({ amount: 3000, network: 'base-sepolia', payTo: PAY_TO }), facilitator, idempotency: {} }

/** Pays plan offers with tokens the test facilitator mints for BUYER (what nvmPayer does against Nevermined). */
const planPayer = () => nvmPayer({ getToken: async ({ planId, resource }) => facilitator.mint({ payer: BUYER, requirements: { scheme: 'nvm:erc4337', network: 'eip155:84532', planId }, resource: { url: resource } }) })
const credits = () => facilitator.balance(BUYER, { planId: PLAN_ID })

beforeAll(async () => {
  facilitator.fund(BUYER, 1_000_000, { asset: USDC })
  mcp = await serveMcp((server) => {
    paidTool(server, 'search', searchOptions, { inputSchema: { q: z.string(), used: z.number().optional() } }, async ({ q, used }, extra) => {
      runs.push(q)
      if (used !== undefined) extra.payment.charge(used)
      return { content: [{ type: 'text', text: `results for ${q}` }] }
    })
    paidTool(server, 'search-deliver', deliverOptions, { inputSchema: { q: z.string() } }, async ({ q }) => ({ content: [{ type: 'text', text: `results for ${q}` }] }))
    // paid() for a registerTool of one's own, with and without an input schema.
    server.registerTool('lookup', { inputSchema: { q: z.string() } }, paid('lookup', otherOptions, async ({ q }, extra) => ({ content: [{ type: 'text', text: `found ${q} for ${extra.payment.payment?.payer}` }] })))
    server.registerTool('status', {}, paid('status', otherOptions, async (extra) => ({ content: [{ type: 'text', text: `ok, ${extra.payment.charged} credits` }] })))
    paidTool(server, 'fixed-a', { accepts: fixed, facilitator }, {}, async () => ({ content: [{ type: 'text', text: 'a' }] }))
    paidTool(server, 'either', { accepts: [search, fixed], facilitator }, {}, async (extra) => ({ content: [{ type: 'text', text: `paid with ${extra.payment.payment?.scheme}` }] }))
    paidTool(server, 'kept', keptOptions, {}, async () => {
      runs.push('kept')
      return { content: [{ type: 'text', text: `kept #${runs.filter((run) => run === 'kept').length}` }] }
    })
    paidTool(server, 'fixed-b', { accepts: fixed, facilitator }, {}, async () => ({ content: [{ type: 'text', text: 'b' }] }))
    paidTool(server, 'pages', perPageOptions, { inputSchema: { pages: z.number().int().positive() } }, async ({ pages }) => ({ content: [{ type: 'text', text: `${pages} pages` }] }))
  })
  client = await connectClient(mcp.url)
})

afterEach(() => facilitator.heal())

afterAll(async () => {
  await client?.close()
  await mcp?.close()
})

function required(result: unknown): PaymentRequired {
  const r = result as { isError?: boolean; structuredContent?: PaymentRequired; content: { text: string }[] }
  expect(r.isError).toBe(true)
  expect(r.content[0]!.text).toBe(JSON.stringify(r.structuredContent))
  return r.structuredContent!
}

const receiptOf = (result: { _meta?: Record<string, unknown> }) => result._meta?.['x402/payment-response'] as { success: boolean; errorReason?: string } | undefined

describe('plan payments', () => {
  it('burns the plan\'s credits per call through nvmPayer', async () => {
    const before = credits()
    const result = await withPayments(client, { payers: [planPayer()] }).callTool({ name: 'search', arguments: { q: 'mcp' } })
    expect(result.content).toEqual([{ type: 'text', text: 'results for mcp' }])
    expect(receiptOf(result)).toMatchObject({ success: true })
    expect(before - credits()).toBe(5n)
  })

  it('ctx.charge settles the usage, not the verified maximum', async () => {
    const before = credits()
    await withPayments(client, { payers: [planPayer()] }).callTool({ name: 'search', arguments: { q: 'cheap', used: 2 } })
    expect(before - credits()).toBe(2n)
  })

  it('a charge above the verified amount is not settled: the tool error says so and nothing is charged', async () => {
    const before = credits()
    const result = await withPayments(client, { payers: [planPayer()] }).callTool({ name: 'search', arguments: { q: 'greedy', used: 9 } })
    expect(result).toMatchObject({ isError: true })
    expect(JSON.stringify(result.content)).toContain('nothing was charged')
    expect(credits()).toBe(before)
  })

  it('an expired token is refused with the requirements, and not charged', async () => {
    const before = credits()
    const token = facilitator.mint({ payer: BUYER, requirements: { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: PLAN_ID }, expiresAt: Date.now() - 1000 })
    const result = await client.callTool({ name: 'search', arguments: { q: 'late' }, _meta: { 'x402/payment': token } })
    expect(required(result).error).toBe('authorization_expired')
    expect(runs).not.toContain('late')
    expect(credits()).toBe(before)
  })
})

describe('paid() and the shared replay guard', () => {
  it('wraps a handler for registerTool, with arguments and without', async () => {
    const agent = withPayments(client, { payers: [planPayer()] })
    expect((await agent.callTool({ name: 'lookup', arguments: { q: 'x' } })).content).toEqual([{ type: 'text', text: `found x for ${BUYER}` }])
    expect((await agent.callTool({ name: 'status', arguments: {} })).content).toEqual([{ type: 'text', text: 'ok, 5 credits' }])
  })

  it('a single-use payment spent on one tool is refused by a tool with other options on the same facilitator, before verify', async () => {
    const token = facilitator.mint({ payer: BUYER, requirements: fixed.requirements })
    expect((await client.callTool({ name: 'fixed-a', arguments: {}, _meta: { 'x402/payment': token } })).isError).toBeFalsy()
    const verifies = facilitator.verifyCalls().length
    const again = await client.callTool({ name: 'fixed-b', arguments: {}, _meta: { 'x402/payment': token } })
    expect(required(again).error).toBe('payment_already_used')
    expect(facilitator.verifyCalls().length).toBe(verifies) // the shared replay guard answered, not the facilitator
  })
})

describe('several offers', () => {
  /** Pays exact offers with tokens the test facilitator mints for BUYER. */
  const exactTestPayer: Payer = { name: 'exact-test', canPay: ({ requirements }) => requirements.scheme === 'exact', pay: async ({ offer }) => facilitator.mint({ payer: BUYER, requirements: offer.requirements, resource: offer.resource }) }

  it('lists both and offers both; the buyer pays the one its payers can pay', async () => {
    const { tools } = await client.listTools()
    expect(tools.find((tool) => tool.name === 'either')?._meta?.['tollgate/accepts']).toEqual([
      { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: PLAN_ID },
      { scheme: 'exact', network: 'eip155:84532', amount: '2000', asset: USDC, payTo: PAY_TO, decimals: 6 },
    ])
    expect((await withPayments(client, { payers: [planPayer()] }).callTool({ name: 'either', arguments: {} })).content).toEqual([{ type: 'text', text: 'paid with nvm:erc4337' }])
    expect((await withPayments(client, { payers: [exactTestPayer] }).callTool({ name: 'either', arguments: {} })).content).toEqual([{ type: 'text', text: 'paid with exact' }])
  })

  it('follows the offer policy when several can be paid', async () => {
    const both = [planPayer(), exactTestPayer]
    const preferExact = await withPayments(client, { payers: both, policy: { schemes: ['exact'] } }).callTool({ name: 'either', arguments: {} })
    expect(preferExact.content).toEqual([{ type: 'text', text: 'paid with exact' }])
    await expect(withPayments(client, { payers: [planPayer()], policy: { schemes: ['exact'], only: true } }).callTool({ name: 'either', arguments: {} })).rejects.toMatchObject({ code: 'no_payable_offer' })
  })
})

describe('idempotency: {} (opt-in)', () => {
  it('a retry with the same payment gets the kept result: the tool ran once, the payment settled once', async () => {
    const unpaid = required(await client.callTool({ name: 'kept', arguments: {} }))
    const token = facilitator.mint({ payer: BUYER, requirements: unpaid.accepts[0] as PaymentRequirements, resource: unpaid.resource })
    const before = facilitator.balance(BUYER, { asset: USDC })
    const first = await client.callTool({ name: 'kept', arguments: {}, _meta: { 'x402/payment': token } })
    await new Promise((resolve) => setTimeout(resolve, 50)) // the engine writes the kept copy in the background
    const retry = await client.callTool({ name: 'kept', arguments: {}, _meta: { 'x402/payment': token } })
    expect(first.content).toEqual([{ type: 'text', text: 'kept #1' }])
    expect(retry).toEqual(first)
    expect(runs.filter((run) => run === 'kept')).toHaveLength(1)
    expect(before - facilitator.balance(BUYER, { asset: USDC })).toBe(3000n)
  })
})

describe('per-call prices', () => {
  it('prices each call from its arguments, and the buyer pays what that call costs', async () => {
    const unpaid = required(await client.callTool({ name: 'pages', arguments: { pages: 3 } }))
    expect(unpaid.accepts[0]).toMatchObject({ scheme: 'exact', amount: '3000' })
    const token = facilitator.mint({ payer: BUYER, requirements: unpaid.accepts[0] as PaymentRequirements, resource: unpaid.resource })
    const before = facilitator.balance(BUYER, { asset: USDC })
    const paid = await client.callTool({ name: 'pages', arguments: { pages: 3 }, _meta: { 'x402/payment': token } })
    expect(paid.content).toEqual([{ type: 'text', text: '3 pages' }])
    expect(before - facilitator.balance(BUYER, { asset: USDC })).toBe(3000n)
  })

  it('a payment for 3 pages does not pay for 4', async () => {
    const unpaid = required(await client.callTool({ name: 'pages', arguments: { pages: 3 } }))
    const token = facilitator.mint({ payer: BUYER, requirements: unpaid.accepts[0] as PaymentRequirements, resource: unpaid.resource })
    const result = await client.callTool({ name: 'pages', arguments: { pages: 4 }, _meta: { 'x402/payment': token } })
    expect(required(result)).toMatchObject({ error: 'no_matching_requirements', accepts: [{ amount: '4000' }] })
  })
})

describe('a facilitator that fails', () => {
  it('hangs in verify: a timeout result with the requirements, not charged; the buyer can pay once it is back', async () => {
    facilitator.fail('verify', { type: 'hang' }, { times: 1 })
    const before = credits()
    const token = await planPayer().pay({ offer: { x402Version: 2, requirements: search.requirements, raw: search.requirements, resource: { url: 'mcp://tool/search' }, index: 0 }, request: new Request('mcp://tool/search'), signal: new AbortController().signal })
    const result = await client.callTool({ name: 'search', arguments: { q: 'slow' }, _meta: { 'x402/payment': token } })
    const paymentRequired = required(result)
    expect(paymentRequired.error).toBe('facilitator_timeout')
    expect(paymentRequired.accepts[0]).toMatchObject({ scheme: 'nvm:erc4337', planId: PLAN_ID })
    expect(runs).not.toContain('slow')
    expect(credits()).toBe(before)
    const again = await client.callTool({ name: 'search', arguments: { q: 'slow' }, _meta: { 'x402/payment': token } })
    expect(again.isError).toBeFalsy()
  })

  it('errors in verify: the paying client reports the refusal and pays no second time', async () => {
    facilitator.fail('verify', { type: 'throw' })
    const before = credits()
    let tokens = 0
    const payer = planPayer()
    const counting = { ...payer, pay: (input: Parameters<typeof payer.pay>[0]) => (tokens++, payer.pay(input)) }
    await expect(withPayments(client, { payers: [counting] }).callTool({ name: 'search', arguments: { q: 'down' } })).rejects.toMatchObject({ code: 'payment_refused', details: { reason: 'facilitator_error' } })
    expect(tokens).toBe(1)
    expect(credits()).toBe(before)
  })

  it('answers garbage to verify: the reason, the requirements, no charge', async () => {
    facilitator.fail('verify', { type: 'garbage' })
    const before = credits()
    const result = await client.callTool({ name: 'search', arguments: { q: 'garbled' }, _meta: { 'x402/payment': await tokenFor('search') } })
    expect(required(result).error).toBe('facilitator_bad_response')
    expect(runs).not.toContain('garbled')
    expect(credits()).toBe(before)
  })

  it('answers garbage to settle: the result is withheld (fail closed) and nothing is charged', async () => {
    facilitator.fail('settle', { type: 'garbage' })
    const before = credits()
    const result = await client.callTool({ name: 'search', arguments: { q: 'withheld' }, _meta: { 'x402/payment': await tokenFor('search') } })
    expect(JSON.stringify(result)).not.toContain('results for withheld')
    expect(required(result).error).toBe('facilitator_bad_response')
    expect(credits()).toBe(before)
  })

  it('refuses to settle: the result is withheld, with the failed receipt in _meta', async () => {
    facilitator.fail('settle', { type: 'settle-failure', reason: 'insufficient_credits' })
    const result = await client.callTool({ name: 'search', arguments: { q: 'refused' }, _meta: { 'x402/payment': await tokenFor('search') } })
    expect(JSON.stringify(result)).not.toContain('results for refused')
    expect(required(result).error).toBe('insufficient_credits')
    expect(receiptOf(result)).toMatchObject({ success: false, errorReason: 'insufficient_credits' })
  })

  it('hangs in settle with onSettleFailure "deliver": the seller opted in, the result goes out with the failed receipt', async () => {
    facilitator.fail('settle', { type: 'hang' }, { times: 1 })
    const result = await client.callTool({ name: 'search-deliver', arguments: { q: 'anyway' }, _meta: { 'x402/payment': await tokenFor('search-deliver') } })
    expect(result.content).toEqual([{ type: 'text', text: 'results for anyway' }])
    expect(receiptOf(result)).toMatchObject({ success: false, errorReason: 'facilitator_timeout' })
  })
})

async function tokenFor(tool: string): Promise<string> {
  return facilitator.mint({ payer: BUYER, requirements: search.requirements, resource: { url: `mcp://tool/${tool}` } })
}
