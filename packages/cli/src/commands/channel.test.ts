// `tollgate pay` on a batch-settlement route, then `tollgate channel list` and `tollgate channel refund`, run in
// process against the reference batch-settlement server and facilitator (@x402) on anvil, with the channels file
// in a temporary directory: what a user sees, and the chain's balances before and after.
import { anvilClient, startUsdcChain, usdcBalance, type AnvilClient, type AnvilInstance } from '@tollgate/x402/anvil'
import { readChannel } from '@tollgate/x402/evm'
import { x402Facilitator } from '@x402/core/facilitator'
import type { FacilitatorClient } from '@x402/core/server'
import { toFacilitatorEvmSigner } from '@x402/evm'
import { BatchSettlementEvmScheme as ReferenceBatchFacilitator } from '@x402/evm/batch-settlement/facilitator'
import { BatchSettlementEvmScheme as ReferenceBatchServer } from '@x402/evm/batch-settlement/server'
import { paymentMiddleware, x402ResourceServer } from '@x402/hono'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Address, PrivateKeyAccount } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../run.js'

const CHAIN_ID = 84532
const NETWORK = `eip155:${CHAIN_ID}` as const
const PRICE = 1_000n
/** The reference server's default deposit target: ten requests. */
const DEPOSIT = 10n * PRICE

let anvil: AnvilInstance
let owner: AnvilClient
let buyer: PrivateKeyAccount
let payTo: Address
let token: Address
let url: string
let dir: string
let close: () => Promise<void>

beforeAll(async () => {
  ;({ anvil, owner, buyer, payTo, token } = await startUsdcChain({ chainId: CHAIN_ID }))
  const authorizer = privateKeyToAccount(anvil.privateKeys[3]!)
  // The reference facilitator in process, sending from anvil's account 5, holding the receiver authorizer's key.
  const relayer = anvil.accounts[5]!
  const signer = toFacilitatorEvmSigner(Object.assign(anvilClient(anvil, relayer), { address: relayer.address }) as never, { confirmationTimeoutMs: 20_000 })
  const facilitator = new x402Facilitator().register(NETWORK, new ReferenceBatchFacilitator(signer, authorizer) as never)
  const client: FacilitatorClient = {
    verify: (payload, requirements) => facilitator.verify(payload, requirements),
    settle: (payload, requirements) => facilitator.settle(payload, requirements),
    getSupported: async () => facilitator.getSupported() as never,
  }
  const app = new Hono()
  app.use(
    paymentMiddleware(
      { 'GET /weather': { accepts: { scheme: 'batch-settlement', network: NETWORK, payTo, price: { amount: PRICE.toString(), asset: token, extra: { name: 'USDC', version: '2' } } } } },
      new x402ResourceServer(client).register(NETWORK, new ReferenceBatchServer(payTo)),
    ),
  )
  app.get('/weather', (c) => c.json({ weather: 'sunny' }))
  await new Promise<void>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}/weather`
      resolve()
    })
    close = () => new Promise<void>((done) => server.close(() => done()))
  })
  dir = mkdtempSync(join(tmpdir(), 'tollgate-channels-'))
}, 90_000)

afterAll(async () => {
  await close?.()
  await anvil?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** Runs `tollgate ...args` in process with the buyer's key, the chain and the channels file in the temporary directory. */
async function tollgate(args: string[], env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const base = { TOLLGATE_PRIVATE_KEY: anvil.privateKeys[1]!, TOLLGATE_RPC_URL: anvil.rpcUrl, TOLLGATE_CHANNELS: join(dir, 'channels.json') }
  const code = await run(args, { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: { ...base, ...env }, fetch })
  return { code, stdout: out.join('\n'), stderr: err.join('\n') }
}

describe('tollgate channel', () => {
  it('pay opens a channel kept in the channels file; list shows it with its on-chain balance; refund returns the rest', async () => {
    const before = await usdcBalance(owner, token, buyer.address)
    for (let i = 0; i < 3; i += 1) {
      const paid = await tollgate(['pay', url])
      expect(paid.code, paid.stderr).toBe(0)
      expect(paid.stdout).toContain('sunny')
    }
    expect(await usdcBalance(owner, token, buyer.address)).toBe(before! - DEPOSIT)
    const file = JSON.parse(readFileSync(join(dir, 'channels.json'), 'utf8'))
    const [channel] = Object.values(file.channels) as Array<{ channelId: `0x${string}`; charged: string }>
    expect(channel).toMatchObject({ charged: '3000', balance: DEPOSIT.toString(), resource: url })

    const listed = await tollgate(['channel', 'list', '--json'])
    expect(listed.code, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout).channels).toMatchObject([{ channelId: channel!.channelId, charged: '3000', onChain: { balance: DEPOSIT.toString(), totalClaimed: '0' } }])
    const table = await tollgate(['channel', 'list'])
    for (const cell of [channel!.channelId, NETWORK, url, '3000', DEPOSIT.toString(), '7000']) expect(table.stdout).toContain(cell)

    const refunded = await tollgate(['channel', 'refund', url])
    expect(refunded.code, refunded.stderr).toBe(0)
    expect(refunded.stderr).toMatch(/Refunded 7000 atomic units .* from channel 0x[0-9a-f]{64} in 0x[0-9a-f]{64}/)
    expect(await usdcBalance(owner, token, buyer.address)).toBe(before! - 3n * PRICE)
    expect(await readChannel(owner, channel!.channelId)).toMatchObject({ balance: 3n * PRICE, totalClaimed: 3n * PRICE })
    expect((await tollgate(['channel', 'list'])).stderr).toMatch(/No batch-settlement channels in .*channels\.json/)
  }, 120_000)

  it('says what is missing', async () => {
    expect(await tollgate(['channel', 'refund', url], { TOLLGATE_PRIVATE_KEY: '' })).toMatchObject({ code: 2, stderr: expect.stringMatching(/TOLLGATE_PRIVATE_KEY/) })
    expect(await tollgate(['channel', 'refund', url], { TOLLGATE_RPC_URL: '' })).toMatchObject({ code: 2, stderr: expect.stringMatching(/--rpc-url/) })
    expect(await tollgate(['channel', 'refund', url, '--amount', 'all'])).toMatchObject({ code: 2 })
    expect(await tollgate(['channel', 'close'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/channel list or tollgate channel refund/) })
  })

  it('refund of a route with no channel offer fails with its code', async () => {
    const run = await tollgate(['channel', 'refund', 'http://127.0.0.1:1/nothing'])
    expect(run.code).toBe(1)
  })
})
