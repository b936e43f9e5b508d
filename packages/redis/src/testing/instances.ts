// Several paywall instances for the tests, each behind its own HTTP server on 127.0.0.1 and with its own Redis
// connection, sharing one Redis and one test facilitator: what several processes behind a load balancer see.
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { createPaywall, exact, type NextHandler, type Paywall, type PaywallOptions } from '@tollgate/x402'
import { createTestFacilitator, paidRequest, type TestFacilitator } from '@tollgate/x402/testing'
import { redisOutbox, redisStore, type RedisOutbox, type RedisStore } from '../index.js'
import { connect, type RedisServer } from './redis-server.js'

export const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
export const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
export const USDC_BASE_SEPOLIA = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
export const usdcOption = exact({ price: '$0.01', network: 'base-sepolia', payTo: PAY_TO })
// Behind a load balancer every instance must build the same resource URL, or a kept response would not replay.
const BASE_URL = 'https://api.example.com'

export function sharedFacilitator(): TestFacilitator {
  const facilitator = createTestFacilitator()
  facilitator.fund(BUYER, 1_000_000, { asset: USDC_BASE_SEPOLIA })
  return facilitator
}

export interface Instance {
  readonly name: string
  readonly url: string
  readonly paywall: Paywall
  readonly store: RedisStore
  readonly outbox: RedisOutbox | undefined
  /** The paid resource on this instance, paid with `token`. */
  pay(token: string, init?: RequestInit): Promise<Response>
  /** Stops the HTTP server, the worker, and drops the Redis connection at once (no drain, no QUIT): a crash. */
  kill(): Promise<void>
}

export interface InstanceOptions {
  name: string
  redis: RedisServer
  facilitator: TestFacilitator
  handler?: NextHandler
  /** Give the instance a redisOutbox on its connection. */
  outbox?: boolean
  paywall?: Partial<PaywallOptions>
  /** The store's and outbox's command timeout. */
  commandTimeoutMs?: number
}

export async function startInstance(options: InstanceOptions): Promise<Instance> {
  const client = await connect(options.redis)
  const timeout = options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }
  const store = redisStore({ client, ...timeout })
  const outbox = options.outbox ? redisOutbox({ client, consumer: options.name, ...timeout }) : undefined
  let served = 0
  const handler: NextHandler = options.handler ?? (() => Response.json({ servedBy: options.name, n: ++served }))
  const paywall = createPaywall({
    routes: { 'GET /premium': usdcOption },
    facilitator: options.facilitator,
    store,
    baseUrl: BASE_URL,
    ...(outbox ? { outbox } : {}),
    ...options.paywall,
  })
  const server = serve({ fetch: paywall.protect(handler), hostname: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let alive = true
  return {
    name: options.name,
    url,
    paywall,
    store,
    outbox,
    pay: (token, init) => fetch(paidRequest(`${url}/premium`, token, init)),
    async kill() {
      if (!alive) return
      alive = false
      await paywall.close()
      client.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Settlements the facilitator accepted, by token: each paid token must appear once. */
export function successfulSettles(facilitator: TestFacilitator): string[] {
  return facilitator
    .settleCalls()
    .filter((call) => call.outcome.status === 'answered' && call.outcome.response.success)
    .map((call) => call.request.token)
}

export async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
