// `npm run demo -- --chain solana`: the walk-through on LiteSVM (402, pay, 200, the receipt's transaction signature,
// balances), and `--serve --chain solana` for outside clients: the JSON line, its Solana JSON-RPC, and the reference
// x402 SVM client paying a route with the announced buyer key through that RPC.
import { createKeyPairSignerFromBytes, createSolanaRpc, getBase58Encoder, type Address } from '@solana/kit'
import { PAYMENT_REQUIRED, PAYMENT_RESPONSE, decodePaymentRequired, decodePaymentResponse } from '@tollgate/x402'
import { wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { ExactSvmScheme } from '@x402/svm/exact/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readArgs } from './args.js'
import { startDemo, type DemoProcess } from './demo-process.js'

describe('--chain solana: arguments', () => {
  it('takes --chain solana with --serve and --port, and nothing that belongs to the EVM chain', () => {
    expect(readArgs(['--chain', 'solana'])).toEqual({ serve: false, port: 0, chainId: 31337, framework: 'fetch', help: false, chain: 'solana' })
    expect(readArgs(['--chain', 'evm'])).toEqual({ serve: false, port: 0, chainId: 31337, framework: 'fetch', help: false })
    expect(readArgs(['--serve', '--chain', 'solana', '--port', '0'])).toMatchObject({ serve: true, port: 0, chain: 'solana' })
    expect(() => readArgs(['--chain', 'tron'])).toThrow('--chain must be evm or solana')
    expect(() => readArgs(['--chain', 'solana', '--framework', 'hono'])).toThrow('--chain solana goes with --serve and --port only, not with --framework')
  })
})

describe('npm run demo -- --chain solana', () => {
  it('pays two routes on LiteSVM and prints the 402, the receipts and the balances; exits 0', async () => {
    const demo = startDemo(['--chain', 'solana'])
    const { code } = await demo.exited
    const out = demo.stdout()
    expect(code, demo.stderr()).toBe(0)
    expect(out).toContain('<- 402 Payment Required')
    expect(out).toContain('solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1')
    expect(out).toMatch(/transaction\s+│\s+[1-9A-HJ-NP-Za-km-z]{64,88}/)
    expect(out).toContain('-0.001000')
    expect(out).toContain('+0.010000')
    expect(out).toContain('Every payment settled on the Solana runtime')
  })
})

describe('npm run demo -- --serve --chain solana', () => {
  let demo: DemoProcess
  let info: {
    url: string
    routes: { path: string; network: string; amount: string }[]
    chain: { rpcUrl: string; network: string; mint: string }
    buyer: { address: string; secretKey: string }
  }
  beforeAll(async () => {
    demo = startDemo(['--serve', '--chain', 'solana', '--port', '0'])
    info = JSON.parse(await demo.firstLine)
  })
  afterAll(async () => {
    await demo?.stop()
  })

  it('announces the API, a Solana JSON-RPC on 127.0.0.1, the mint and a funded buyer', async () => {
    expect(info.routes).toEqual([
      { method: 'GET', path: '/weather', amount: '1000', scheme: 'exact', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1' },
      { method: 'GET', path: '/premium', amount: '10000', scheme: 'exact', network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1' },
    ])
    expect(info.chain).toEqual({ rpcUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), network: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1', mint: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU' })
    const signer = await createKeyPairSignerFromBytes(new Uint8Array(getBase58Encoder().encode(info.buyer.secretKey)))
    expect(signer.address).toBe(info.buyer.address)
    const rpc = createSolanaRpc(info.chain.rpcUrl)
    expect((await rpc.getBalance(info.buyer.address as Address).send()).value).toBeGreaterThan(0n)
  })

  it('declares discovery metadata (bazaar) and payment ids in each route\'s 402', async () => {
    for (const path of ['/weather', '/premium']) {
      const asked = decodePaymentRequired((await fetch(`${info.url}${path}`)).headers.get(PAYMENT_REQUIRED) ?? '')
      expect(asked.ok && Object.keys(asked.value.extensions ?? {}).sort()).toEqual(['bazaar', 'payment-identifier'])
    }
  })

  it('the reference @x402/svm client pays /premium with the announced key through the announced RPC', async () => {
    const signer = await createKeyPairSignerFromBytes(new Uint8Array(getBase58Encoder().encode(info.buyer.secretKey)))
    const client = new x402Client().register('solana:*', new ExactSvmScheme(signer, { rpcUrl: info.chain.rpcUrl }))
    const response = await wrapFetchWithPayment(fetch, client)(`${info.url}/premium`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ paidBy: info.buyer.address })
    const decoded = decodePaymentResponse(response.headers.get(PAYMENT_RESPONSE) ?? '')
    const receipt = decoded.ok ? decoded.value : { transaction: '' }
    expect(receipt).toMatchObject({ success: true, network: info.chain.network, payer: info.buyer.address })
    const statuses = await createSolanaRpc(info.chain.rpcUrl).getSignatureStatuses([receipt.transaction as never]).send()
    expect(statuses.value[0]).toMatchObject({ err: null })
  })
})
