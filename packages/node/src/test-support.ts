// Test support for the Node and Express adapters: a real server on 127.0.0.1, and a buyer that pays it.
import { createServer, request as httpRequest, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTestFacilitator, payFor, type TestFacilitator } from '@tollgate/x402/testing'
import { exact } from '@tollgate/x402'

export const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
export const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
export const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
export const PRICE = 10_000n
export const STARTING_USDC = 1_000_000n
export const usdc = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })

export interface TestServer {
  url: string
  stop(): Promise<void>
}

/** Serves `listener` (a node:http handler or an Express app) on a free port of 127.0.0.1. */
export async function serve(listener: RequestListener): Promise<TestServer> {
  const server = createServer(listener)
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** A test facilitator with the buyer funded. */
export function fundedFacilitator(): TestFacilitator {
  const facilitator = createTestFacilitator()
  facilitator.fund(BUYER, STARTING_USDC, { asset: USDC })
  return facilitator
}

/** Asks `url` unpaid, then returns the proof header that pays its 402. */
export async function paymentFor(url: string, facilitator: TestFacilitator): Promise<Record<string, string>> {
  const unpaid = await fetch(url)
  if (unpaid.status !== 402) throw new Error(`expected a 402 from ${url}, got ${unpaid.status}`)
  return { 'PAYMENT-SIGNATURE': await payFor(unpaid, facilitator, { payer: BUYER }) }
}

/** Pays for `url`, then leaves (aborts) after 100 ms and waits until a handler slower than that has answered. */
export async function leaveEarly(url: string, facilitator: TestFacilitator): Promise<void> {
  const headers = await paymentFor(url, facilitator)
  await fetch(url, { headers, signal: AbortSignal.timeout(100) }).then(
    () => Promise.reject(new Error(`${url} answered before the client left`)),
    () => sleep(400),
  )
}

/** GET `path` with a Host header of our choosing (fetch will not send one): status and body. */
export function getWithHost(url: string, path: string, host: string): Promise<{ status: number | undefined; body: string }> {
  const { port } = new URL(url)
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk)).on('end', () => resolve({ status: res.statusCode, body }))
    })
      .once('error', reject)
      .end()
  })
}

/** What the buyer has left. */
export const balance = (facilitator: TestFacilitator) => facilitator.balance(BUYER, { asset: USDC })

/** Settlements that moved money. */
export const charges = (facilitator: TestFacilitator) =>
  facilitator.settleCalls().filter((call) => call.outcome.status === 'answered' && call.outcome.response.success)

/** Resolves on the next turn after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
