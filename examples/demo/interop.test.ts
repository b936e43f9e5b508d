// The "done when": the reference x402 client packages (@x402/fetch with @x402/evm, from npm) pay
// `demo --serve` and get 200 with a receipt they decode themselves.
import { TEST_USDC_ABI } from '@tollgate/x402/evm'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import { createPublicClient, http, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe, type DemoProcess, type ServeAnnouncement } from './demo-process.js'
import { referenceClient } from './reference-client.js'

/** A fetch that records the headers of every request it sends. */
function recordingFetch(sent: Headers[], transform: (response: Response) => Response = (response) => response): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    sent.push(new Headers(request.headers))
    return transform(await fetch(request))
  }
}

function balanceOf(info: ServeAnnouncement, holder: Address): Promise<bigint> {
  const client = createPublicClient({ transport: http(info.chain.rpcUrl) })
  return client.readContract({ address: info.chain.asset, abi: TEST_USDC_ABI, functionName: 'balanceOf', args: [holder] })
}

describe('the reference client pays demo --serve over x402 v2', () => {
  let demo: DemoProcess
  let info: ServeAnnouncement

  beforeAll(async () => {
    ;({ demo, info } = await startServe())
  })
  afterAll(async () => {
    await demo?.stop()
  })

  it('gets 200 with a PAYMENT-RESPONSE it decodes, and the price leaves the buyer', async () => {
    const before = await balanceOf(info, info.buyer.address)
    const sent: Headers[] = []
    const pay = wrapFetchWithPayment(recordingFetch(sent), referenceClient(info, ['eip155:31337']))

    const response = await pay(`${info.url}/weather`)

    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ city: 'Lisbon', paidBy: info.buyer.address })
    const receipt = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE') ?? '')
    expect(receipt).toMatchObject({
      success: true,
      transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      network: 'eip155:31337',
      payer: info.buyer.address,
    })
    // It asked once unpaid, then paid with the v2 header.
    expect(sent).toHaveLength(2)
    expect(sent[1]?.has('PAYMENT-SIGNATURE')).toBe(true)
    expect(sent[1]?.has('X-PAYMENT')).toBe(false)
    expect(before - (await balanceOf(info, info.buyer.address))).toBe(1000n)
  })

  it('refuses to pay a token it does not know unless told to (its default spend controls)', async () => {
    const client = registerExactEvmScheme(new x402Client(), { signer: privateKeyToAccount(info.buyer.privateKey) })
    const pay = wrapFetchWithPayment(fetch, client)
    await expect(pay(`${info.url}/weather`)).rejects.toThrow(/spendControls/)
  })
})

describe('the reference client pays demo --serve --chain-id 84532', () => {
  let demo: DemoProcess
  let info: ServeAnnouncement

  beforeAll(async () => {
    ;({ demo, info } = await startServe(['--chain-id', '84532']))
  })
  afterAll(async () => {
    await demo?.stop()
  })

  it('announces the Base Sepolia network', () => {
    expect(info.chain.chainId).toBe(84532)
    expect(info.routes.every((route) => route.network === 'eip155:84532')).toBe(true)
  })

  it('over v2', async () => {
    const pay = wrapFetchWithPayment(fetch, referenceClient(info, ['eip155:84532']))
    const response = await pay(`${info.url}/premium`)
    expect(response.status).toBe(200)
    expect(decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE') ?? '')).toMatchObject({ success: true, network: 'eip155:84532' })
  })

  it('over v1, as a client that reads only the 402 body', async () => {
    // A v1 client never looks at the PAYMENT-REQUIRED header: hide it, and the reference client falls back to the
    // body's `x402Version: 1` offer (network "base-sepolia"), pays with X-PAYMENT, and reads X-PAYMENT-RESPONSE.
    const sent: Headers[] = []
    const withoutV2Header = (response: Response) => {
      const headers = new Headers(response.headers)
      headers.delete('PAYMENT-REQUIRED')
      return new Response(response.body, { status: response.status, headers })
    }
    const pay = wrapFetchWithPayment(recordingFetch(sent, withoutV2Header), referenceClient(info, ['base-sepolia']))
    const before = await balanceOf(info, info.buyer.address)

    const response = await pay(`${info.url}/weather`)

    expect(response.status).toBe(200)
    expect(sent[1]?.has('X-PAYMENT')).toBe(true)
    expect(sent[1]?.has('PAYMENT-SIGNATURE')).toBe(false)
    expect(response.headers.has('PAYMENT-RESPONSE')).toBe(false)
    const receipt = decodePaymentResponseHeader(response.headers.get('X-PAYMENT-RESPONSE') ?? '')
    expect(receipt).toMatchObject({ success: true, transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/), payer: info.buyer.address })
    expect(before - (await balanceOf(info, info.buyer.address))).toBe(1000n)
  })
})
