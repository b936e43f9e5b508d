// A settlement undone by a reorganisation after the answer went out, on a real anvil mining a block a second:
// localFacilitator settles the still-valid authorization again and the seller ends whole; an expired one is lost.
import { createPublicClient, custom, http, type EIP1193RequestFn, type Hash } from 'viem'
import { describe, expect, it } from 'vitest'
import { requestFor } from '../test-support/exact-chain.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { usdcBalance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import type { SettlementEvent } from './settlement-events.js'
import { createExactPayment } from './signer.js'

const CHAIN_ID = 84532
const PRICE = 10_000n

const chain = useUsdcChain({
  chainId: CHAIN_ID,
  price: PRICE,
  mining: { blockSeconds: 1 },
})

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const balances = () => Promise.all([usdcBalance(chain.owner, chain.token, chain.buyer.address), usdcBalance(chain.owner, chain.token, chain.payTo)])

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await pause(50)
  }
}

/** Settles one payment, then takes its block and `depth - 1` after it out of the chain (mining paused meanwhile). */
async function settleThenReorg(depth: number, options: { now?: () => number } = {}, beforeReorg = () => {}) {
  const events: SettlementEvent[] = []
  const client = createPublicClient({ chain: chain.anvil.chain, transport: http(chain.anvil.rpcUrl), pollingInterval: 200 })
  const facilitator = localFacilitator({ client, settler: chain.anvil.privateKeys[5]!, onEvent: (event) => events.push(event), ...options })
  const payment = await createExactPayment({ account: chain.buyer, requirements: chain.requirements })
  const before = await balances()
  const settled = await facilitator.settle(requestFor(payment, chain.requirements), new AbortController().signal)
  expect(settled).toMatchObject({ success: true })
  await chain.rpc('evm_setIntervalMining', [0])
  const { blockNumber } = await chain.owner.getTransactionReceipt({ hash: settled.transaction as Hash })
  while ((await chain.owner.getBlockNumber({ cacheTime: 0 })) < blockNumber + BigInt(depth) - 1n) await chain.rpc('evm_mine')
  const reorged = Number((await chain.owner.getBlockNumber({ cacheTime: 0 })) - blockNumber) + 1
  expect(reorged).toBeGreaterThanOrEqual(depth)
  expect(await balances()).toEqual([before[0]! - PRICE, before[1]! + PRICE])
  beforeReorg()
  await chain.rpc('anvil_reorg', [reorged, []])
  expect(await balances()).toEqual(before) // the delivered answer is unpaid now
  await chain.rpc('evm_setIntervalMining', [1])
  return { events, before, settled, blockNumber }
}

describe('a delivered settlement taken out by a reorganisation', () => {
  for (const depth of [1, 3]) {
    it(`of ${depth} block${depth > 1 ? 's' : ''} is settled again: the seller ends whole, the buyer pays once`, async () => {
      const { events, before, settled, blockNumber } = await settleThenReorg(depth)
      await until(() => events.some((event) => event.type === 'settlement.resettled'))
      const about = { network: `eip155:${CHAIN_ID}`, payer: chain.buyer.address }
      expect(events).toEqual([
        { type: 'settlement.reorged', transaction: settled.transaction, blockNumber, ...about },
        { type: 'settlement.resettled', transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/), replaced: settled.transaction, ...about },
      ])
      expect(await balances()).toEqual([before[0]! - PRICE, before[1]! + PRICE])
    }, 30_000)
  }

  it('is lost, and said so, when the authorization expired meanwhile: nothing is sent again', async () => {
    let clock = Math.floor(Date.now() / 1000)
    const { events, before, settled } = await settleThenReorg(1, { now: () => clock }, () => {
      clock += 10_000 // past the authorization's validBefore
    })
    await until(() => events.some((event) => event.type === 'settlement.lost'))
    expect(events).toEqual([
      expect.objectContaining({ type: 'settlement.reorged', transaction: settled.transaction }),
      { type: 'settlement.lost', transaction: settled.transaction, reason: 'authorization_expired', network: `eip155:${CHAIN_ID}`, payer: chain.buyer.address },
    ])
    const start = await chain.owner.getBlockNumber({ cacheTime: 0 })
    await until(async () => (await chain.owner.getBlockNumber({ cacheTime: 0 })) >= start + 2n)
    expect(await balances()).toEqual(before)
  }, 30_000)
})

describe('a reorged settlement whose account nonce another settlement took meanwhile', () => {
  it('is settled by a new transaction for the same authorization, once: the seller ends whole', async () => {
    // The watching facilitator's sends wait at a gate, so that another settlement takes the nonce first.
    const base = http(chain.anvil.rpcUrl)({ chain: chain.anvil.chain, retryCount: 0 })
    let gate: Promise<void> | undefined
    const request = (async ({ method, params }) => {
      if (method === 'eth_sendRawTransaction' && gate) await gate
      return base.request({ method, params } as never)
    }) as EIP1193RequestFn
    const client = createPublicClient({ chain: chain.anvil.chain, transport: custom({ request }), pollingInterval: 200 })
    const events: SettlementEvent[] = []
    const settler = chain.anvil.privateKeys[5]!
    const watching = localFacilitator({ client, settler, onEvent: (event) => events.push(event) })
    const other = localFacilitator({ client: createPublicClient({ chain: chain.anvil.chain, transport: http(chain.anvil.rpcUrl), pollingInterval: 200 }), settler })
    const [first, second] = [await createExactPayment({ account: chain.buyer, requirements: chain.requirements }), await createExactPayment({ account: chain.buyer, requirements: chain.requirements })]
    const before = await balances()

    const settled = await watching.settle(requestFor(first, chain.requirements), new AbortController().signal)
    expect(settled).toMatchObject({ success: true })
    await chain.rpc('evm_setIntervalMining', [0])
    let open = () => {}
    gate = new Promise((resolve) => (open = resolve))
    const { blockNumber } = await chain.owner.getTransactionReceipt({ hash: settled.transaction as Hash })
    await chain.rpc('anvil_reorg', [Number((await chain.owner.getBlockNumber({ cacheTime: 0 })) - blockNumber) + 1, []])
    await chain.rpc('anvil_dropAllTransactions')
    await chain.rpc('evm_setIntervalMining', [1])
    // The other settlement takes the settler's nonce the reorged transaction had.
    expect(await other.settle(requestFor(second, chain.requirements), new AbortController().signal)).toMatchObject({ success: true })
    open()
    gate = undefined

    await until(() => events.some((event) => event.type === 'settlement.resettled'))
    const resettled = events.find((event) => event.type === 'settlement.resettled')!
    expect(resettled).toMatchObject({ replaced: settled.transaction })
    expect(resettled.transaction).not.toBe(settled.transaction)
    expect(await balances()).toEqual([before[0]! - 2n * PRICE, before[1]! + 2n * PRICE])
    // Still once: a few blocks on, nothing more moved.
    const start = await chain.owner.getBlockNumber({ cacheTime: 0 })
    await until(async () => (await chain.owner.getBlockNumber({ cacheTime: 0 })) >= start + 2n)
    expect(await balances()).toEqual([before[0]! - 2n * PRICE, before[1]! + 2n * PRICE])
  }, 30_000)
})

describe('localFacilitator options for watching settlements', () => {
  it('refuses a finalityDepth that is no whole number of blocks and an onEvent that is no function', () => {
    const settler = chain.anvil.privateKeys[5]!
    for (const finalityDepth of [-1, 1.5, '5']) {
      expect(() => localFacilitator({ rpcUrl: chain.anvil.rpcUrl, settler, finalityDepth: finalityDepth as number })).toThrow(
        expect.objectContaining({ code: 'invalid_options', details: expect.objectContaining({ path: 'localFacilitator.finalityDepth' }) }),
      )
    }
    expect(() => localFacilitator({ rpcUrl: chain.anvil.rpcUrl, settler, onEvent: 'log' as never })).toThrow(
      expect.objectContaining({ code: 'invalid_options', details: expect.objectContaining({ path: 'localFacilitator.onEvent' }) }),
    )
    expect(() => localFacilitator({ rpcUrl: chain.anvil.rpcUrl, settler, finalityDepth: 0, onEvent: () => {} })).not.toThrow()
  })
})
