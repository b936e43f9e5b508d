// `tollgate pay` with a Solana keypair (TOLLGATE_SOLANA_KEYPAIR: a keypair file, as the Solana CLI writes it),
// against our paywall on LiteSVM; the buyer's chain reads go to the LiteSVM JSON-RPC (TOLLGATE_SOLANA_RPC_URL).
import { serve } from '@hono/node-server'
import { createKeyPairSignerFromBytes, createKeyPairSignerFromPrivateKeyBytes, generateKeyPairSigner, getAddressEncoder } from '@solana/kit'
import { createPaywall } from '@tollgate/x402'
import { createLiteSvmWorld, serveLiteSvmRpc, type LiteSvmRpcServer } from '@tollgate/x402/litesvm'
import { exact, localSvmFacilitator } from '@tollgate/x402/svm'
import { mkdtempSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, tollgate } from './test-support.js'

const world = createLiteSvmWorld()
let url: string
let rpc: LiteSvmRpcServer
let close: () => Promise<void>
let keypairFile: string
let buyer: string
let seller: string

beforeAll(async () => {
  await ensureBuilt()
  const seed = crypto.getRandomValues(new Uint8Array(32))
  const signer = await createKeyPairSignerFromPrivateKeyBytes(seed)
  const secret = Uint8Array.from([...seed, ...getAddressEncoder().encode(signer.address)])
  buyer = (await createKeyPairSignerFromBytes(secret)).address
  keypairFile = join(mkdtempSync(join(tmpdir(), 'tollgate-sol-')), 'buyer.json')
  writeFileSync(keypairFile, JSON.stringify([...secret]))
  const [feePayer, sellerSigner] = await Promise.all([generateKeyPairSigner(), generateKeyPairSigner()])
  seller = sellerSigner.address
  world.airdrop(feePayer.address, 1_000_000_000n)
  await world.fund(buyer, 1_000_000n)
  await world.fund(seller, 0n)
  rpc = await serveLiteSvmRpc(world.svm)
  const paywall = createPaywall({
    facilitator: localSvmFacilitator({ chain: world.chain, feePayer }),
    routes: { 'GET /weather': exact({ price: '$0.01', network: 'solana-devnet', payTo: seller }) },
  })
  const app = paywall.protect(async () => Response.json({ weather: 'sunny' }))
  await new Promise<void>((resolve) => {
    const server = serve({ fetch: app, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}`
      resolve()
    })
    close = () => new Promise<void>((done) => server.close(() => done()))
  })
}, 120_000)

afterAll(async () => {
  await close?.()
  await rpc?.close()
})

describe('tollgate pay on Solana', () => {
  it('pays with the keypair file: exit 0, the body, the receipt; 0.01 USDC moved', async () => {
    const before = [await world.tokenBalance(buyer), await world.tokenBalance(seller)]
    const run = await tollgate(['pay', `${url}/weather`, '--json'], { TOLLGATE_SOLANA_KEYPAIR: keypairFile, TOLLGATE_SOLANA_RPC_URL: rpc.url })
    expect(run.code, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({ status: 200, paid: true, body: { weather: 'sunny' }, receipt: { success: true, network: world.network, payer: buyer } })
    expect([await world.tokenBalance(buyer), await world.tokenBalance(seller)]).toEqual([before[0]! - 10_000n, before[1]! + 10_000n])
  })

  it('refuses a keypair that is not one (exit 2), paying nothing', async () => {
    const run = await tollgate(['pay', `${url}/weather`], { TOLLGATE_SOLANA_KEYPAIR: '[1,2,3]', TOLLGATE_SOLANA_RPC_URL: rpc.url })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('a Solana keypair has 64')
  })
})
