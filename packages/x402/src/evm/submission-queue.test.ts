// How localFacilitator sends settlements, on a real anvil: signed here, with nonces kept here and fees reused,
// many at once in one block; and how a nonce gap or a nonce taken by someone else heals without losing or
// doubling a settlement.
import { createPublicClient, custom, http, type Address, type EIP1193RequestFn, type Hash, type Hex } from 'viem'
import { privateKeyToAccount, toAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { isTollgateError } from '../errors.js'
import { requestFor } from '../test-support/exact-chain.js'
import { useUsdcChain } from '../test-support/usdc-chain.js'
import { anvilClient, usdcBalance } from './anvil.js'
import { localFacilitator } from './facilitator.js'
import { createExactPayment } from './signer.js'
import { submissionLane } from './submission-queue.js'

const CHAIN_ID = 84532
const PRICE = 1_000n

const chain = useUsdcChain({
  chainId: CHAIN_ID,
  price: PRICE,
  mining: 'manual',
})

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const live = () => new AbortController().signal

/** A client for the facilitator that counts its calls by method; `around` may delay or fail one before it goes out. */
function countingClient(around: (method: string, call: number) => Promise<void> = async () => {}) {
  const base = http(chain.anvil.rpcUrl)({ chain: chain.anvil.chain, retryCount: 0 })
  const calls: Record<string, number> = {}
  const request = (async ({ method, params }) => {
    calls[method] = (calls[method] ?? 0) + 1
    await around(method, calls[method])
    return base.request({ method, params } as never)
  }) as EIP1193RequestFn
  return { client: createPublicClient({ chain: chain.anvil.chain, transport: custom({ request }), pollingInterval: 50 }), calls }
}

const pay = () => createExactPayment({ account: chain.buyer, requirements: chain.requirements })
const nonceOf = (address: Address, blockTag: 'latest' | 'pending') => chain.owner.getTransactionCount({ address, blockTag })

async function until(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await pause(25)
  }
}

describe('localFacilitator sending many settlements at once', () => {
  it('sends each with one eth_sendRawTransaction, learns the nonce once, reads the fees once: all land in one block', async () => {
    const { client, calls } = countingClient()
    const facilitator = localFacilitator({ client, settler: chain.anvil.privateKeys[5]! })
    const payments = await Promise.all(Array.from({ length: 24 }, pay))
    const [payToBefore] = await Promise.all([usdcBalance(chain.owner, chain.token, chain.payTo)])
    const settling = Promise.all(payments.map((payment) => facilitator.settle(requestFor(payment, chain.requirements), live())))
    await until(async () => (await chain.owner.getBlockTransactionCount({ blockTag: 'pending' })) === 24)
    await chain.rpc('evm_mine')
    const settled = await settling
    expect(settled.every((s) => s.success)).toBe(true)
    const blocks = await Promise.all(settled.map(async (s) => (await chain.owner.getTransactionReceipt({ hash: s.transaction as Hash })).blockNumber))
    expect(new Set(blocks).size).toBe(1)
    expect(await usdcBalance(chain.owner, chain.token, chain.payTo)).toBe(payToBefore! + 24n * PRICE)
    expect(calls).toMatchObject({ eth_sendRawTransaction: 24, eth_getTransactionCount: 1, eth_maxPriorityFeePerGas: 1 })
    // No gas estimate, nonce or fee read of its own per settlement: the verification's simulation gave the gas.
    expect(calls.eth_estimateGas).toBe(24)
  }, 30_000)
})

describe('a nonce that is not used', () => {
  it('heals: a send that fails leaves a gap, which is filled so that the settlements after it are mined; no payer pays twice', async () => {
    await chain.rpc('evm_setIntervalMining', [1])
    try {
      const settler = chain.anvil.accounts[6]!
      // Every send takes 300 ms, so that the settlements that come meanwhile go together; the second send fails.
      const { client, calls } = countingClient(async (method, call) => {
        if (method !== 'eth_sendRawTransaction') return
        await pause(300)
        if (call === 2) throw new Error('socket hang up')
      })
      const facilitator = localFacilitator({ client, settler: chain.anvil.privateKeys[6]! })
      const payments = await Promise.all(Array.from({ length: 5 }, pay))
      const [buyerBefore] = await Promise.all([usdcBalance(chain.owner, chain.token, chain.buyer.address)])
      const first = facilitator.settle(requestFor(payments[0]!, chain.requirements), live())
      await until(async () => (calls.eth_sendRawTransaction ?? 0) === 1)
      const others = payments.slice(1).map((payment) => facilitator.settle(requestFor(payment, chain.requirements), live()).catch((error: unknown) => error))
      const settled = [await first, ...(await Promise.all(others))]
      const failed = settled.filter((s) => isTollgateError(s))
      expect(failed).toHaveLength(1)
      expect(isTollgateError(failed[0]) && failed[0].code).toBe('facilitator_error')
      expect(settled.filter((s) => !isTollgateError(s) && (s as { success: boolean }).success)).toHaveLength(4)
      expect(await usdcBalance(chain.owner, chain.token, chain.buyer.address)).toBe(buyerBefore! - 4n * PRICE)
      // Nothing is left waiting behind a gap: every nonce the settler took is mined.
      await until(async () => (await nonceOf(settler.address, 'latest')) === (await nonceOf(settler.address, 'pending')))
    } finally {
      await chain.rpc('evm_setIntervalMining', [0])
    }
  }, 30_000)

  it('heals when someone else took the nonce: learned again and sent again, settled once', async () => {
    const key = chain.anvil.privateKeys[7]!
    const { client, calls } = countingClient()
    const facilitator = localFacilitator({ client, settler: key })
    const [one, two] = [await pay(), await pay()]
    const settlingOne = facilitator.settle(requestFor(one, chain.requirements), live())
    await until(async () => (calls.eth_sendRawTransaction ?? 0) === 1)
    await chain.rpc('evm_mine')
    expect(await settlingOne).toMatchObject({ success: true })
    // The same key sends from elsewhere: the facilitator's next nonce is taken.
    const elsewhere = anvilClient(chain.anvil, chain.anvil.accounts[7]!)
    const hash: Hex = await elsewhere.sendTransaction({ to: elsewhere.account.address, value: 0n })
    await chain.rpc('evm_mine')
    expect((await chain.owner.getTransactionReceipt({ hash })).status).toBe('success')
    const [buyerBefore] = await Promise.all([usdcBalance(chain.owner, chain.token, chain.buyer.address)])
    const settlingTwo = facilitator.settle(requestFor(two, chain.requirements), live())
    await until(async () => (await chain.owner.getBlockTransactionCount({ blockTag: 'pending' })) === 1)
    await chain.rpc('evm_mine')
    expect(await settlingTwo).toMatchObject({ success: true })
    expect(calls.eth_sendRawTransaction).toBe(3) // one, two refused (nonce too low), two again
    expect(calls.eth_getTransactionCount).toBe(2)
    expect(await usdcBalance(chain.owner, chain.token, chain.buyer.address)).toBe(buyerBefore! - PRICE)
  }, 30_000)
})

describe('a settler whose signing fails (a remote key service that is down)', () => {
  it('rejects every settlement of the wave with the signer\'s error instead of leaving them waiting, and the next wave is sent', async () => {
    const real = privateKeyToAccount(chain.anvil.privateKeys[6]!)
    let failing = true
    const remote = toAccount({
      address: real.address,
      signMessage: (args) => real.signMessage(args),
      signTypedData: (args) => real.signTypedData(args as never),
      signTransaction: async (transaction, options) => {
        if (failing) throw new Error('key service unavailable')
        return real.signTransaction(transaction, options as never)
      },
    })
    const lane = submissionLane(chain.owner, remote, async () => CHAIN_ID)
    // The key may have sent before in this file (the whole file's tests run in turn): count from where it is.
    const nonceBefore = await chain.owner.getTransactionCount({ address: real.address, blockTag: 'pending' })
    const call = { to: chain.payTo, data: '0x' as Hex, gas: 21_000n }
    const outcomes = await Promise.allSettled([lane.send(live(), call), lane.send(live(), call)])
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected'])
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toContain('key service unavailable')
    failing = false
    const sent = await lane.send(live(), call)
    expect(sent.hash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await chain.owner.getTransactionCount({ address: real.address, blockTag: 'pending' })).toBe(nonceBefore + 1)
  })
})
