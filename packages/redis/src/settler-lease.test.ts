// Two server processes paying at once from one settler key, sharing one Redis: they never clash on a nonce. The
// key is leased to one of them in Redis; the other refuses to settle (a 502 naming the key) and moves no money.
// With a key each, both settle everything. Real processes, a real anvil chain, a real redis-server.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { SettleRequest } from '@tollgate/x402'
import { startUsdcChain, usdcBalance, type UsdcChain } from '@tollgate/x402/anvil'
import { createExactPayment } from '@tollgate/x402/evm'
import { afterAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

const SETTLER_PROCESS = fileURLToPath(new URL('./testing/settler-process.mjs', import.meta.url))
const CHAIN_ID = 84532
const PRICE = 1_000n
const EACH = 6

let redis: RedisServer
let chain: UsdcChain

setupOnce(async () => {
  redis = await startRedisServer()
  chain = await startUsdcChain({ chainId: CHAIN_ID })
  // A block a second, so that the two processes' transactions meet in the mempool.
  await chain.owner.request({ method: 'evm_setAutomine', params: [false] } as never)
  await chain.owner.request({ method: 'evm_setIntervalMining', params: [1] } as never)
})

afterAll(async () => {
  await chain?.anvil.stop()
  await redis?.stop()
})

type Outcome = { success?: boolean; errorReason?: string; error?: string; reason?: string; message?: string }

function startInstance(settlerKey: string): Promise<{ child: ChildProcess; settle: (requests: SettleRequest[]) => Promise<Outcome[]> }> {
  const child = fork(SETTLER_PROCESS, [chain.anvil.rpcUrl, settlerKey, redis.url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const settle = (requests: SettleRequest[]) =>
    new Promise<Outcome[]>((resolve) => {
      child.once('message', (message) => resolve((message as { results: Outcome[] }).results))
      child.send({ settle: requests })
    })
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve({ child, settle }))
    child.once('exit', (code) => reject(new Error(`settler process exited with ${code}`)))
  })
}

async function requests(count: number): Promise<SettleRequest[]> {
  const offer = { scheme: 'exact', network: `eip155:${CHAIN_ID}`, amount: PRICE.toString(), asset: chain.token, payTo: chain.payTo, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' } }
  const list: SettleRequest[] = []
  for (let i = 0; i < count; i++) {
    const payment = await createExactPayment({ account: chain.buyer, requirements: offer })
    list.push({
      x402Version: 2,
      token: payment.header,
      proof: { x402Version: 2, header: 'PAYMENT-SIGNATURE', raw: payment.header, payload: payment.payload },
      requirements: offer,
      paymentRequired: { x402Version: 2, resource: { url: 'http://localhost/weather' }, accepts: [offer] },
      amount: offer.amount,
      verification: { isValid: true },
    } as unknown as SettleRequest)
  }
  return list
}

async function payAtOnce(keys: [string, string]) {
  const instances = await Promise.all(keys.map(startInstance))
  try {
    const before = await usdcBalance(chain.owner, chain.token, chain.buyer.address)
    const [a, b] = [await requests(EACH), await requests(EACH)]
    const outcomes = await Promise.all([instances[0]!.settle(a), instances[1]!.settle(b)])
    const charged = before - (await usdcBalance(chain.owner, chain.token, chain.buyer.address))
    return { outcomes, charged }
  } finally {
    for (const { child } of instances) {
      child.send('stop')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  }
}

const settled = (outcomes: Outcome[]) => outcomes.filter((o) => o.success === true).length

describe('two processes paying at once', () => {
  it('from one settler key: one holds it and settles everything, the other refuses and moves nothing; no nonce clash', async () => {
    const key = chain.anvil.privateKeys[6]!
    const settler = chain.anvil.accounts[6]!.address
    const { outcomes, charged } = await payAtOnce([key, key])
    const [holder, refused] = settled(outcomes[0]!) === EACH ? [outcomes[0]!, outcomes[1]!] : [outcomes[1]!, outcomes[0]!]
    expect(settled(holder)).toBe(EACH)
    expect(refused.every((o) => o.error === 'facilitator_error' && o.reason === 'settler_in_use')).toBe(true)
    expect(refused[0]!.message).toContain(settler)
    expect(charged).toBe(BigInt(EACH) * PRICE)
    // Every transaction the key sent is mined: nothing waits behind a nonce the other took.
    const [latest, pending] = await Promise.all([
      chain.owner.getTransactionCount({ address: settler, blockTag: 'latest' }),
      chain.owner.getTransactionCount({ address: settler, blockTag: 'pending' }),
    ])
    expect(latest).toBe(pending)
  }, 60_000)

  it('with a key each: both settle everything', async () => {
    const { outcomes, charged } = await payAtOnce([chain.anvil.privateKeys[7]!, chain.anvil.privateKeys[8]!])
    expect(outcomes.map(settled)).toEqual([EACH, EACH])
    expect(charged).toBe(2n * BigInt(EACH) * PRICE)
  }, 60_000)
})
