// P8: exact at chain speed. anvil mines a block every 2 s; 48 buyers pay the demo's GET /weather 3 times each, all
// at once (each buyer's payments one after the other), with the reference client (@x402/fetch + @x402/evm exact).
// The facilitator's chain calls go through a relay on 127.0.0.1 that holds each for 50 ms, as a hosted RPC
// endpoint would; then the same without the relay. Tollgate (Hono + localFacilitator) and the reference stack
// (@x402/hono + the reference facilitator, @x402/core + @x402/evm) run the same scenario in this one run, each
// from its own settler key. Reported per run: answers paid (200) of all, p50/p95 latency of a whole paid call as
// the buyer sees it (402, sign, paid request), and the settler's transactions per block (max, mean over blocks
// that have any).
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createPublicClient, http, keccak256, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { built } from './lib/build.js'

const CHILD = fileURLToPath(new URL('./chain-speed-child.js', import.meta.url))
const AMOUNT = '1000' // $0.001 at 6 decimals: the demo's GET /weather

function start(args) {
  const child = fork(CHILD, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        /** Stops it; resolves with what it reports on the way out (a server: its paid requests' times). */
        stop: () => new Promise((done) => (child.once('message', done), child.once('exit', () => done({})), child.send('stop'))),
      }),
    )
    child.once('exit', (code) => reject(new Error(`chain-speed-child ${args[0]} exited with ${code}`)))
  })
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN

export async function runChainSpeed({ buyers = 48, payments = 3, blockSeconds = 2, holdMs = 50 } = {}) {
  const { startAnvil, anvilClient, deployTestUsdc, fundUsdc } = await import(built('anvil'))
  const { x402Client, wrapFetchWithPayment } = await import('@x402/fetch')
  const { registerExactEvmScheme } = await import('@x402/evm/exact/client')
  const anvil = await startAnvil({ chainId: 84532 })
  const children = []
  try {
    const owner = anvilClient(anvil, anvil.accounts[0])
    const token = await deployTestUsdc(owner, { name: 'USDC', version: '2' })
    const payTo = anvil.accounts[2].address
    const keys = Array.from({ length: buyers }, (_, i) => keccak256(toHex(`tollgate P8 buyer ${i}`)))
    for (const key of keys) await fundUsdc(owner, token, privateKeyToAccount(key).address, 1_000_000n)
    const chain = createPublicClient({ transport: http(anvil.rpcUrl) })
    await chain.request({ method: 'evm_setAutomine', params: [false] })
    await chain.request({ method: 'evm_setIntervalMining', params: [blockSeconds] })
    const relay = await start(['relay', anvil.rpcUrl, String(holdMs)])
    children.push(relay)
    const config = JSON.stringify({ chainId: anvil.chainId, asset: token, payTo, amount: AMOUNT })
    const fetchers = keys.map((key) => {
      const client = registerExactEvmScheme(new x402Client(), { signer: privateKeyToAccount(key) })
      client.setSpendControls({ allowedAssets: [{ network: `eip155:${anvil.chainId}`, asset: token, maxAmountPerPayment: AMOUNT }] })
      return wrapFetchWithPayment(fetch, client)
    })

    async function run(role, settlerIndex, rpcUrl) {
      const server = await start([role, rpcUrl, anvil.privateKeys[settlerIndex], config])
      children.push(server)
      const settler = anvil.accounts[settlerIndex].address.toLowerCase()
      const firstBlock = (await chain.getBlockNumber({ cacheTime: 0 })) + 1n
      const times = []
      let paid = 0
      const failures = {}
      await Promise.all(
        fetchers.map(async (payingFetch) => {
          for (let i = 0; i < payments; i++) {
            const started = performance.now()
            try {
              const response = await payingFetch(`${server.url}/weather`, { signal: AbortSignal.timeout(60_000) })
              await response.arrayBuffer()
              if (response.status === 200) paid++
              else failures[response.status] = (failures[response.status] ?? 0) + 1
            } catch (error) {
              const reason = String(error?.message ?? error).slice(0, 60)
              failures[reason] = (failures[reason] ?? 0) + 1
            }
            times.push(performance.now() - started)
          }
        }),
      )
      const { paidTimes = [] } = await server.stop()
      children.splice(children.indexOf(server), 1)
      paidTimes.sort((a, b) => a - b)
      // Two more blocks, for anything still pending, then count the settler's transactions block by block.
      const lastBlock = (await chain.getBlockNumber({ cacheTime: 0 })) + 2n
      while ((await chain.getBlockNumber({ cacheTime: 0 })) < lastBlock) await new Promise((resolve) => setTimeout(resolve, 250))
      const perBlock = []
      for (let n = firstBlock; n <= lastBlock; n++) {
        const block = await chain.getBlock({ blockNumber: n, includeTransactions: true })
        const count = block.transactions.filter((tx) => tx.from.toLowerCase() === settler).length
        if (count > 0) perBlock.push(count)
      }
      times.sort((a, b) => a - b)
      return {
        paid,
        total: buyers * payments,
        failures,
        p50: percentile(times, 50) / 1000,
        p95: percentile(times, 95) / 1000,
        serverP50: percentile(paidTimes, 50) / 1000,
        perBlockMax: Math.max(0, ...perBlock),
        perBlockMean: perBlock.length ? perBlock.reduce((a, b) => a + b, 0) / perBlock.length : 0,
        blocks: perBlock.length,
      }
    }

    return {
      buyers,
      payments,
      holdMs,
      blockSeconds,
      tollgate: await run('tollgate', 5, relay.url),
      reference: await run('reference', 6, relay.url),
      tollgateDirect: await run('tollgate', 5, anvil.rpcUrl),
      referenceDirect: await run('reference', 6, anvil.rpcUrl),
    }
  } finally {
    for (const child of children) await child.stop().catch(() => undefined)
    await anvil.stop()
  }
}
