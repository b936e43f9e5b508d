// `--redis`: two demos on one chain share the paywall's state through Redis, so a payment used at one is refused
// at the other (the replay guard), while a demo without Redis only finds out from the chain.
import { PAYMENT_REQUIRED, PAYMENT_RESPONSE, decodePaymentRequired, decodePaymentResponse } from '@tollgate/x402'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, startRedisServer, type RedisServer } from '../../packages/redis/src/testing/redis-server.js'
import { createBuyer } from './buyer.js'
import { anvilPid, isRunning, startDemo, startServe, type DemoProcess, type ServeAnnouncement } from './demo-process.js'
import { DEMO_ROUTES, balanceOf } from './framework-suite.js'

/** The 402's reason, from its PAYMENT-REQUIRED header. */
function reasonOf(response: Response): unknown {
  const decoded = decodePaymentRequired(response.headers.get(PAYMENT_REQUIRED) ?? '')
  return decoded.ok ? decoded.value.error : `undecodable: ${decoded.error.message}`
}

describe('two demos sharing one Redis and one chain', () => {
  let redis: RedisServer
  let first: { demo: DemoProcess; info: ServeAnnouncement }
  let second: { demo: DemoProcess; info: ServeAnnouncement }
  let alone: { demo: DemoProcess; info: ServeAnnouncement }
  /** The PAYMENT-SIGNATURE of a payment the first demo served. */
  let used: string

  beforeAll(async () => {
    redis = await startRedisServer()
    first = await startServe(['--redis', redis.url, '--framework', 'hono'])
    const join = ['--rpc-url', first.info.chain.rpcUrl, '--asset', first.info.chain.asset]
    ;[second, alone] = await Promise.all([startServe(['--redis', redis.url, '--framework', 'fastify', ...join]), startServe(join)])
  })
  afterAll(async () => {
    await Promise.all([second?.demo.stop(), alone?.demo.stop()])
    await first?.demo.stop()
    await redis?.stop()
  })

  it('the second demo announces the first one\'s chain and token, and starts no anvil', () => {
    expect(second.info.chain).toEqual(first.info.chain)
    expect(second.info.routes).toEqual(DEMO_ROUTES)
    expect(second.info.buyer).toEqual(first.info.buyer)
    expect(second.demo.stderr()).not.toContain('Starting anvil')
    expect(second.demo.stderr()).toContain(`Redis at ${redis.url}`)
  })

  it('puts the replay guard in Redis when the first demo is paid', async () => {
    const buyer = createBuyer({
      account: privateKeyToAccount(first.info.buyer.privateKey),
      fetch: async (input) => {
        const request = new Request(input)
        const signature = request.headers.get('PAYMENT-SIGNATURE')
        if (signature) used = signature
        return fetch(request)
      },
    })
    const response = await buyer.fetch(`${first.info.url}/weather`)
    expect(response.status).toBe(200)
    expect(used).toBeTruthy()

    const client = await connect(redis)
    try {
      expect(await client.keys('tollgate:tg:used:*')).toHaveLength(1)
    } finally {
      client.destroy()
    }
  })

  it('the second demo refuses that payment again with payment_already_used, and moves no money', async () => {
    const before = await balanceOf(first.info, first.info.buyer.address)
    const replay = await fetch(`${second.info.url}/weather`, { headers: { 'PAYMENT-SIGNATURE': used } })
    expect(replay.status).toBe(402)
    expect(reasonOf(replay)).toBe('payment_already_used')
    expect(await balanceOf(first.info, first.info.buyer.address)).toBe(before)
  })

  it('a demo on the same chain without Redis does not know it: only the chain refuses the used authorization', async () => {
    const replay = await fetch(`${alone.info.url}/weather`, { headers: { 'PAYMENT-SIGNATURE': used } })
    expect(replay.status).toBe(402)
    expect(reasonOf(replay)).toBe('nonce_already_used') // from the facilitator's look at the token contract
  })

  it('the second demo is paid with a new payment, settled on the shared chain', async () => {
    const buyer = createBuyer({ account: privateKeyToAccount(second.info.buyer.privateKey) })
    const before = await balanceOf(first.info, first.info.buyer.address)
    const response = await buyer.fetch(`${second.info.url}/premium`)
    expect(response.status).toBe(200)
    const receipt = decodePaymentResponse(response.headers.get(PAYMENT_RESPONSE) ?? '')
    expect(receipt.ok && receipt.value).toMatchObject({ success: true, amount: '10000' })
    expect(before - (await balanceOf(first.info, first.info.buyer.address))).toBe(10000n)
  })

  it('the first demo stops its anvil on SIGTERM; the chain goes with it', async () => {
    const pid = anvilPid(first.demo.stderr())
    expect(await first.demo.stop('SIGTERM')).toEqual({ code: 0, signal: null })
    expect(isRunning(pid)).toBe(false)
  })
})

describe('--redis with nothing listening', () => {
  it('fails before starting anything, and says so', async () => {
    const demo = startDemo(['--redis', 'redis://127.0.0.1:1'])
    const { code } = await demo.exited
    expect(code).toBe(1)
    expect(demo.stderr()).toContain('Redis at redis://127.0.0.1:1 did not answer')
    expect(demo.stdout()).not.toContain('Starting anvil')
  })
})
