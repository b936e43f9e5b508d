// Two paywall processes on one Redis serve one batch-settlement channel's requests at once: every voucher is
// charged once at most (the other process answers channel_busy or the corrective 402), and every 200 is counted
// in the channel's record (no charge lost). The processes run the built packages (testing/batch-instance.mjs).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { hashTypedData, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, describe, expect, it } from 'vitest'
import { connect, startRedisServer, type RedisServer } from './testing/redis-server.js'
import { setupOnce } from './testing/setup-once.js'

const CHAIN_ID = 84532
const KEY = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const payer = privateKeyToAccount(KEY(1))
const voucherSigner = privateKeyToAccount(KEY(2))
const requirements = {
  scheme: 'batch-settlement',
  network: `eip155:${CHAIN_ID}`,
  amount: '1000',
  asset: '0x3333333333333333333333333333333333333333',
  payTo: '0x2222222222222222222222222222222222222222',
  maxTimeoutSeconds: 300,
  extra: { receiverAuthorizer: '0x4444444444444444444444444444444444444444', withdrawDelay: 900, name: 'USDC', version: '2' },
}
const config = {
  payer: payer.address,
  payerAuthorizer: voucherSigner.address,
  receiver: '0x2222222222222222222222222222222222222222',
  receiverAuthorizer: '0x4444444444444444444444444444444444444444',
  token: '0x3333333333333333333333333333333333333333',
  withdrawDelay: 900,
  salt: KEY(9),
} as const
// The spec's EIP-712 domain and types (x402 batch-settlement on EVM), at the canonical contract.
const domain = { name: 'x402 Batch Settlement', version: '1', chainId: CHAIN_ID, verifyingContract: '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003' } as const
const channelId = hashTypedData({
  domain,
  types: {
    ChannelConfig: [
      { name: 'payer', type: 'address' },
      { name: 'payerAuthorizer', type: 'address' },
      { name: 'receiver', type: 'address' },
      { name: 'receiverAuthorizer', type: 'address' },
      { name: 'token', type: 'address' },
      { name: 'withdrawDelay', type: 'uint40' },
      { name: 'salt', type: 'bytes32' },
    ],
  },
  primaryType: 'ChannelConfig',
  message: config,
})

async function paymentFor(type: 'deposit' | 'voucher', cumulative: bigint): Promise<string> {
  const signature = await voucherSigner.signTypedData({
    domain,
    types: { Voucher: [{ name: 'channelId', type: 'bytes32' }, { name: 'maxClaimableAmount', type: 'uint128' }] },
    primaryType: 'Voucher',
    message: { channelId, maxClaimableAmount: cumulative },
  })
  const payload: Record<string, unknown> = { type, channelConfig: config, voucher: { channelId, maxClaimableAmount: cumulative.toString(), signature } }
  if (type === 'deposit') payload.deposit = { amount: '100000000', authorization: { erc3009Authorization: { validAfter: '0', validBefore: '9999999999', salt: KEY(7), signature: '0x' + '11'.repeat(65) } } }
  return Buffer.from(JSON.stringify({ x402Version: 2, accepted: requirements, payload })).toString('base64')
}

interface Child {
  url: string
  served: () => number
  process: ChildProcess
}

function startChild(name: string, redis: RedisServer): Promise<Child> {
  const script = fileURLToPath(new URL('./testing/batch-instance.mjs', import.meta.url))
  const child = spawn(process.execPath, [script], { env: { ...process.env, REDIS_URL: redis.url, NAME: name }, stdio: ['ignore', 'pipe', 'pipe'] })
  let served = 0
  let errors = ''
  child.stderr!.on('data', (chunk) => (errors += chunk))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${name} did not start: ${errors}`)), 30_000)
    child.once('exit', (code) => reject(new Error(`instance ${name} exited (${code}): ${errors}`)))
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.startsWith('READY ')) {
          clearTimeout(timer)
          resolve({ url: line.slice(6), served: () => served, process: child })
        }
        if (line.startsWith('SERVED ')) served++
      }
    })
  })
}

let redis: RedisServer
const children: Child[] = []

setupOnce(async () => {
  redis = await startRedisServer()
})

afterAll(async () => {
  for (const child of children) child.process.kill('SIGTERM')
  await redis?.stop()
})

describe('one batch-settlement channel served by two processes on one Redis', () => {
  it('charges each voucher once at most and loses none: the other process answers channel_busy or the corrective 402', async () => {
    const [a, b] = await Promise.all([startChild('a', redis), startChild('b', redis)])
    children.push(a, b)
    const send = async (url: string, token: string) => {
      const response = await fetch(`${url}/data`, { headers: { 'PAYMENT-SIGNATURE': token } })
      await response.arrayBuffer()
      const required = response.headers.get('PAYMENT-REQUIRED')
      return response.status === 200 ? 'paid' : required ? (JSON.parse(Buffer.from(required, 'base64').toString()) as { error: string }).error : String(response.status)
    }
    expect(await send(a.url, await paymentFor('deposit', 1000n))).toBe('paid')
    let charged = 1000n
    const outcomes: string[] = []
    for (let round = 0; round < 30; round++) {
      // The same next voucher at both processes at once, as a client retrying through a load balancer would.
      const token = await paymentFor('voucher', charged + 1000n)
      const answers = await Promise.all([send(a.url, token), send(b.url, token)])
      outcomes.push(...answers)
      const paid = answers.filter((answer) => answer === 'paid').length
      expect(paid).toBeLessThanOrEqual(1)
      charged += BigInt(paid) * 1000n
    }
    const refusals = outcomes.filter((answer) => answer !== 'paid')
    expect(new Set(refusals)).toEqual(new Set(refusals.filter((answer) => ['invalid_batch_settlement_evm_channel_busy', 'invalid_batch_settlement_evm_cumulative_amount_mismatch'].includes(answer))))
    expect(outcomes.filter((answer) => answer === 'paid').length).toBeGreaterThanOrEqual(1)

    const client = await connect(redis)
    const record = JSON.parse((await client.get(`tollgate:tg:bs:channel:${channelId.toLowerCase()}`))!) as { chargedCumulativeAmount: string }
    client.destroy()
    // Every 200 is in the count, and the count holds nothing else: handlers ran exactly as often as charges.
    expect(BigInt(record.chargedCumulativeAmount)).toBe(charged)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(BigInt(a.served() + b.served()) * 1000n).toBe(charged)
  }, 90_000)
})
