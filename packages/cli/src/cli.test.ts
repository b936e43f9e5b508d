// The built `tollgate` CLI, run as a child process against our own paywall on anvil (localFacilitator,
// TestUSDC): what a user sees, and the exit codes scripts rely on.
import { serve } from '@hono/node-server'
import { createPaywall, encodePaymentResponse, exact, plan, upto, type PaymentRequirements } from '@tollgate/x402'
import { deployTestWallet, fundUsdc, usdcBalance, type AnvilClient, type AnvilInstance, startUsdcChain } from '@tollgate/x402/anvil'
import { createExactPayment, localFacilitator } from '@tollgate/x402/evm'
import type { AddressInfo } from 'node:net'
import type { Address, PrivateKeyAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, tollgate } from './test-support.js'

const CHAIN_ID = 84532
const PRICE = 10_000n

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let url: string
let offer: PaymentRequirements
let close: () => Promise<void>

beforeAll(async () => {
  await ensureBuilt()
  ;({ anvil, owner, buyer, payTo, token } = await startUsdcChain({ chainId: CHAIN_ID }))
  const asset = { address: token, name: 'USDC', version: '2' }
  const weather = exact({ amount: PRICE, network: `eip155:${CHAIN_ID}`, payTo, asset })
  offer = weather.requirements
  const paywall = createPaywall({
    facilitator: localFacilitator({ rpcUrl: anvil.rpcUrl, settler: anvil.privateKeys[5]!, pollingIntervalMs: 50 }),
    routes: {
      'GET /weather': weather,
      'POST /echo': weather,
      'GET /pricey': exact({ price: '$0.50', network: `eip155:${CHAIN_ID}`, payTo, asset }),
      'GET /plan-only': plan({ planId: '1234567890123456789', network: `eip155:${CHAIN_ID}` }),
      'POST /generate': upto({ maxPrice: '$0.05', network: `eip155:${CHAIN_ID}`, payTo, asset: { ...asset, decimals: 6 } }),
    },
  })
  const app = paywall.protect(async (request, ctx) => {
    if (new URL(request.url).pathname === '/generate') {
      ctx.charge(777)
      return Response.json({ text: 'generated' })
    }
    return Response.json({ weather: 'sunny', method: request.method, body: request.method === 'POST' ? await request.json() : null })
  })
  await new Promise<void>((resolve) => {
    const server = serve({ fetch: app, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}`
      resolve()
    })
    close = () => new Promise<void>((done) => server.close(() => done()))
  })
}, 90_000)

afterAll(async () => {
  await close?.()
  await anvil?.stop()
})

const balances = () => Promise.all([usdcBalance(owner, token, buyer.address), usdcBalance(owner, token, payTo)])
const buyerKey = () => ({ TOLLGATE_PRIVATE_KEY: anvil.privateKeys[1]! })

describe('tollgate inspect', () => {
  it('prints what a URL asks for as a table', async () => {
    const run = await tollgate(['inspect', `${url}/weather`])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('x402 v2 payment required')
    for (const column of ['scheme', 'network', 'asset', 'amount (atomic)', 'amount ($)', 'payTo', 'resource']) expect(run.stdout).toContain(column)
    for (const cell of ['exact', 'eip155:84532 (base-sepolia)', token, '10000', '$0.01', payTo, `${url}/weather`]) expect(run.stdout).toContain(cell)
  })

  it('prints JSON with --json', async () => {
    const run = await tollgate(['inspect', `${url}/weather`, '--json'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 402,
      x402Version: 2,
      offers: [{ scheme: 'exact', network: 'eip155:84532', asset: token, amount: '10000', dollars: '$0.01', payTo, resource: `${url}/weather` }],
    })
  })

  it('says when there is nothing to pay', async () => {
    const run = await tollgate(['inspect', `${url}/free`])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/No payment required: .* answered HTTP 200/)
  })
})

describe('tollgate decode', () => {
  it('decodes each of the five headers', async () => {
    const paymentRequired = (await fetch(`${url}/weather`)).headers.get('PAYMENT-REQUIRED')!
    const v2 = await createExactPayment({ account: buyer, requirements: offer })
    const v1 = await createExactPayment({ account: buyer, requirements: offer, x402Version: 1 })
    const receipt = encodePaymentResponse({ success: true, transaction: `0x${'ab'.repeat(32)}`, network: `eip155:${CHAIN_ID}`, payer: buyer.address })
    const cases: Array<[string, string, string]> = [
      [paymentRequired, 'PAYMENT-REQUIRED (x402 v2 payment request)', 'PAYMENT-REQUIRED'],
      [v2.header, 'PAYMENT-SIGNATURE (x402 v2 payment proof)', 'PAYMENT-SIGNATURE'],
      [v1.header, 'X-PAYMENT (x402 v1 payment proof)', 'X-PAYMENT'],
      [`PAYMENT-RESPONSE: ${receipt}`, 'PAYMENT-RESPONSE (settlement receipt)', 'PAYMENT-RESPONSE'],
      [`X-PAYMENT-RESPONSE: ${receipt}`, 'X-PAYMENT-RESPONSE (settlement receipt)', 'X-PAYMENT-RESPONSE'],
    ]
    for (const [value, title, header] of cases) {
      const human = await tollgate(['decode', value])
      expect(human.code, human.stderr).toBe(0)
      expect(human.stdout.split('\n')[0]).toBe(title)
      const json = await tollgate(['decode', value, '--json'])
      expect(JSON.parse(json.stdout)).toMatchObject({ header })
    }
    const proof = JSON.parse((await tollgate(['decode', v2.header, '--json'])).stdout)
    expect(proof.value.accepted).toEqual(offer)
  })

  it('shows the offers of a PAYMENT-REQUIRED as a table too', async () => {
    const paymentRequired = (await fetch(`${url}/weather`)).headers.get('PAYMENT-REQUIRED')!
    const run = await tollgate(['decode', paymentRequired])
    expect(run.stdout).toContain('$0.01')
  })

  it('exits 1 with a reason on a value that is no x402 header', async () => {
    const run = await tollgate(['decode', 'bm90IGpzb24='])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/Not any x402 header/)
  })
})

describe('tollgate pay', () => {
  it('pays from a smart-contract wallet with --wallet, signing as its owner (ERC-1271)', async () => {
    const walletOwner = anvil.accounts[6]!
    const wallet = await deployTestWallet(owner, walletOwner.address)
    await fundUsdc(owner, token, wallet, 100_000n)
    const run = await tollgate(['pay', `${url}/weather`, '--wallet', wallet, '--json'], { TOLLGATE_PRIVATE_KEY: anvil.privateKeys[6]! })
    expect(run.code).toBe(0)
    const printed = JSON.parse(run.stdout)
    expect(printed).toMatchObject({ status: 200, paid: true, receipt: { success: true } })
    expect(printed.receipt.payer.toLowerCase()).toBe(wallet.toLowerCase())
    expect(await usdcBalance(owner, token, wallet)).toBe(100_000n - PRICE)
    // Without the owner's key, or with something that is not an address: a usage error, nothing paid.
    expect((await tollgate(['pay', `${url}/weather`, '--wallet', wallet])).code).toBe(2)
    const notAnAddress = await tollgate(['pay', `${url}/weather`, '--wallet', 'my-wallet'], { TOLLGATE_PRIVATE_KEY: anvil.privateKeys[6]! })
    expect(notAnAddress.code).toBe(2)
    expect(notAnAddress.stderr).toContain('--wallet is not an address')
    expect(await usdcBalance(owner, token, wallet)).toBe(100_000n - PRICE)
  })

  it('pays, prints the response and the receipt, exits 0; balances move by exactly the price', async () => {
    const [buyerBefore, payToBefore] = await balances()
    const run = await tollgate(['pay', `${url}/weather`], buyerKey())
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({ weather: 'sunny', method: 'GET', body: null })
    expect(run.stderr).toContain('HTTP 200')
    expect(run.stderr).toContain(`Paid 10000 ($0.01) of ${token} on eip155:84532 to ${payTo} with exact-evm (PAYMENT-SIGNATURE).`)
    expect(run.stderr).toMatch(/Receipt: settled on eip155:84532 from 0x[0-9a-fA-F]{40}, transaction 0x[0-9a-f]{64}\./)
    expect(await balances()).toEqual([buyerBefore! - PRICE, payToBefore! + PRICE])
  })

  it('prints one JSON document with --json', async () => {
    const run = await tollgate(['pay', `${url}/weather`, '--json'], buyerKey())
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 200,
      paid: true,
      payment: { payer: 'exact-evm', header: 'PAYMENT-SIGNATURE', x402Version: 2, requirements: { amount: '10000' } },
      receipt: { success: true, network: 'eip155:84532', payer: buyer.address },
      body: { weather: 'sunny' },
    })
  })

  it('sends -X, -H and -d, and resends the body with the payment', async () => {
    const run = await tollgate(['pay', `${url}/echo`, '-X', 'POST', '-H', 'X-Trace: 1', '-d', '{"q":"rain?"}'], buyerKey())
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ method: 'POST', body: { q: 'rain?' } })
  })

  it('exits 4 above the spend cap, paying nothing', async () => {
    const before = await balances()
    const run = await tollgate(['pay', `${url}/pricey`, '--max', '$0.05'], buyerKey())
    expect(run.code).toBe(4)
    expect(run.stderr).toMatch(/500000 atomic units .* above the spend cap of 50000.*over_spend_cap/)
    expect(await balances()).toEqual(before)
    const byDefault = await tollgate(['pay', `${url}/pricey`, '--json'], buyerKey())
    expect(byDefault.code).toBe(4)
    expect(JSON.parse(byDefault.stdout)).toMatchObject({ error: { code: 'over_spend_cap', details: { cap: '100000' } } })
  })

  it('exits 3 when the server refuses the payment (an unfunded key)', async () => {
    const run = await tollgate(['pay', `${url}/weather`], { TOLLGATE_PRIVATE_KEY: anvil.privateKeys[8]! })
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(/refused the payment \(insufficient_funds\)/)
  })

  it('exits 5 when no offer can be paid with the keys given', async () => {
    const run = await tollgate(['pay', `${url}/plan-only`], buyerKey())
    expect(run.code).toBe(5)
    expect(run.stderr).toMatch(/nvm:erc4337 plan 1234567890123456789/)
  })

  it('pays an upto offer only with --approve-permit2 when Permit2 is not approved, and prints the maximum and the amount settled', async () => {
    const key = { TOLLGATE_PRIVATE_KEY: anvil.privateKeys[7]! }
    await fundUsdc(owner, token, anvil.accounts[7]!.address, 100_000n)
    const refused = await tollgate(['pay', `${url}/generate`, '-X', 'POST'], key)
    expect(refused.code).toBe(3)
    expect(refused.stderr).toContain('permit2_allowance_required')
    expect((await tollgate(['pay', `${url}/generate`, '-X', 'POST', '--approve-permit2', 'max'], key)).code).toBe(2)
    const run = await tollgate(['pay', `${url}/generate`, '-X', 'POST', '--approve-permit2', 'max', '--rpc-url', anvil.rpcUrl], key)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('upto: authorised at most 50000, settled 777.')
    expect(await usdcBalance(owner, token, anvil.accounts[7]!.address)).toBe(100_000n - 777n)
    const capped = await tollgate(['pay', `${url}/generate`, '-X', 'POST', '--max', '$0.01'], key)
    expect(capped.code).toBe(4)
  })

  it('exits 2 without a key, or with bad arguments', async () => {
    expect((await tollgate(['pay', `${url}/weather`])).code).toBe(2)
    expect((await tollgate(['pay', `${url}/weather`, '--max', 'lots'], buyerKey())).code).toBe(2)
    expect((await tollgate(['pay'], buyerKey())).code).toBe(2)
    expect((await tollgate(['frobnicate'])).code).toBe(2)
  })
})
