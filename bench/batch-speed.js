// P9: batch-settlement against exact, side by side in one run (issue 23). anvil mines a block every 2 s (automine
// off once the token is deployed); the seller (batch-speed-child.js: Hono, @tollgate/hono, localFacilitator) runs
// in its own process with its facilitator's chain calls held 40 ms by the relay of P8 (chain-speed-child.js).
//  1. Latency over loopback HTTP, timed by this process: `channels` channels each take `requestsPerChannel` paid
//     requests (a deposit, then vouchers signed beforehand, so the buyer's signing is not in the time), in blocks
//     of 25 taking turns with the same handler without a paywall (/free); then `exactPayments` exact payments one
//     after another (each settled on chain before its answer).
//  2. Gas from the receipts: the deposits, one claim of every channel (claimWithSignature through localFacilitator,
//     signed by its receiver authorizer), one settle (the sweep to the receiver), against exact's transfers.
//  3. The claim covers those channels and `claimChannels` more, each opened by a deposit through localFacilitator.
//  4. Voucher checks per second on one core: voucher-verify-child.js, pinned with taskset, once the rest has stopped;
//     then batch-own-cost-child.js: the seller's CPU per voucher request in process, for reading beside 1.
import { execFile, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createPublicClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { built } from './lib/build.js'
import { median } from './lib/load.js'

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const PRICE = 1000n // $0.001 at 6 decimals, the routes' price
const BLOCK = 25

/** Forks a child that reports { port } when listening and answers 'stop' with a last message before it exits. */
function start(file, args) {
  const child = fork(here(file), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        stop: () => new Promise((done) => (child.once('message', done), child.once('exit', () => done({})), child.send('stop'))),
      }),
    )
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)))
  })
}

/** Runs a child that prints one JSON line, pinned to the last CPU when taskset is there. */
async function pinnedChild(file, args) {
  const command = [here(file), ...args.map(String)]
  const cpu = String(cpus().length - 1)
  const pinned = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset')
  const { stdout } = pinned ? await promisify(execFile)('taskset', ['-c', cpu, process.execPath, ...command]) : await promisify(execFile)(process.execPath, command)
  return { ...JSON.parse(stdout.trim().split('\n').at(-1)), pinnedTo: pinned ? cpu : undefined }
}

// The EVM's prices (the fork anvil runs): a transaction's base, calldata per byte (EIP-2028), and a storage slot
// written from zero (EIP-2200's set, 20,000) when first touched in the transaction (EIP-2929's cold read, 2,100).
const TX_BASE_GAS = 21_000
const CALLDATA_GAS = { zero: 4, nonzero: 16 }
const FRESH_SLOT_GAS = 20_000 + 2_100

/**
 * The least gas any implementation of the spec's ERC-3009 deposit could use, from one deposit of this run: the
 * transaction's base, its calldata (the spec's `deposit` ABI, as sent), and the two storage slots it must write
 * from zero: the token's authorization nonce (ERC-3009) and the new channel's balance. The transfer's balance
 * updates, the calls and the events come on top, so the floor is well under any real deposit. The fresh slots
 * are read from the transaction's state diff (anvil's prestateTracer), counted per contract.
 */
async function depositFloor(reader, hash, token) {
  const { input } = await reader.getTransaction({ hash })
  let zero = 0
  for (let i = 2; i < input.length; i += 2) if (input[i] === '0' && input[i + 1] === '0') zero++
  const bytes = (input.length - 2) / 2
  const calldataGas = zero * CALLDATA_GAS.zero + (bytes - zero) * CALLDATA_GAS.nonzero
  const { pre, post } = await reader.request({ method: 'debug_traceTransaction', params: [hash, { tracer: 'prestateTracer', tracerConfig: { diffMode: true } }] })
  const isZero = (value) => value === undefined || BigInt(value) === 0n
  const freshSlots = {}
  for (const [address, { storage = {} }] of Object.entries(post)) {
    const fresh = Object.entries(storage).filter(([slot, value]) => !isZero(value) && isZero(pre[address]?.storage?.[slot])).length
    if (fresh > 0) freshSlots[address.toLowerCase() === token.toLowerCase() ? 'token' : address.toLowerCase()] = fresh
  }
  // The spec's deposit writes one fresh slot in the token (the nonce) and at least one for the channel.
  const required = 2
  return { bytes, zero, calldataGas, base: TX_BASE_GAS, freshSlotGas: FRESH_SLOT_GAS, required, freshSlots, gas: TX_BASE_GAS + calldataGas + required * FRESH_SLOT_GAS }
}

export async function runBatchSpeed({ channels = 3, requestsPerChannel = 100, claimChannels = 120, exactPayments = 5, blockSeconds = 2, holdMs = 40, vouchers = 1000, rounds = 8, ownCostPerRound = 300 } = {}) {
  const { startUsdcChain, batchKit, wire, localFacilitator, exactPayer, encodePaymentSignature, readPaymentDemand, readReceiptHeader } = await import(built('batch'))
  const chain = await startUsdcChain({ chainId: 84532, fund: 100_000_000n })
  const { anvil } = chain
  const children = []
  const result = { channels, requestsPerChannel, blockSeconds, holdMs }
  try {
    const reader = createPublicClient({ transport: http(anvil.rpcUrl) })
    await reader.request({ method: 'evm_setAutomine', params: [false] })
    await reader.request({ method: 'evm_setIntervalMining', params: [blockSeconds] })
    const gasOf = async (hash) => (await reader.waitForTransactionReceipt({ hash, pollingInterval: 100 })).gasUsed
    const relay = await start('./chain-speed-child.js', ['relay', anvil.rpcUrl, String(holdMs)])
    children.push(relay)
    const authorizerKey = anvil.privateKeys[3]
    const config = JSON.stringify({ chainId: anvil.chainId, asset: chain.token, payTo: chain.payTo })
    const server = await start('./batch-speed-child.js', [relay.url, anvil.privateKeys[5], authorizerKey, config])
    children.push(server)
    // The buyer: the chain's funded account deposits, anvil account 4 signs the vouchers; the seller's receiver
    // authorizer is anvil account 3, whose key its localFacilitator holds (and the bench's, which claims).
    const cast = { anvil, owner: chain.owner, token: chain.token, payer: chain.buyer, receiver: chain.payTo, receiverAuthorizer: anvil.accounts[3], voucherKey: privateKeyToAccount(anvil.privateKeys[4]) }
    const kit = batchKit(cast)

    /** One GET as the client times it, in ms, with its answer. */
    async function timed(path, headers = {}) {
      const started = performance.now()
      const response = await fetch(`${server.url}${path}`, { headers, signal: AbortSignal.timeout(60_000) })
      await response.arrayBuffer()
      return { ms: performance.now() - started, response }
    }
    const offerOf = async (path) => (await readPaymentDemand(await fetch(`${server.url}${path}`))).offers[0]
    const paid = (path, expectCharged) => async (header) => {
      const { ms, response } = await timed(path, { 'payment-signature': header })
      const receipt = readReceiptHeader(response.headers)
      if (response.status !== 200 || !receipt?.success) {
        const refused = (await readPaymentDemand(response).catch(() => undefined))?.error
        throw new Error(`P9 ${path}: answered ${response.status}${refused ? ` (${refused})` : ''}`)
      }
      const charged = receipt.extra?.channelState?.chargedCumulativeAmount
      if (expectCharged !== undefined && charged !== expectCharged()) throw new Error(`P9 ${path}: the seller counts ${charged}, expected ${expectCharged()}`)
      return { ms, receipt }
    }

    // 1. Latency: the channels' requests and /free take turns in blocks; the first request of each block is not counted.
    const batchOffer = await offerOf('/batch')
    const proofOf = (payload) => encodePaymentSignature({ x402Version: 2, accepted: batchOffer.requirements, payload })
    const times = { free: [], batch: [], deposit: [], exact: [] }
    for (let i = 0; i < 20; i++) await timed('/free')
    const opened = []
    for (let c = 0; c < channels; c++) {
      const channel = kit.newChannel()
      const deposit = await kit.erc3009Deposit(channel, PRICE * BigInt(requestsPerChannel), PRICE)
      let cumulative = PRICE
      const expected = () => String(cumulative)
      const first = await paid('/batch', expected)(proofOf(deposit))
      times.deposit.push(first.ms)
      const headers = []
      let last
      for (let n = 2; n <= requestsPerChannel; n++) {
        last = await kit.voucher(channel, PRICE * BigInt(n))
        headers.push(proofOf({ type: 'voucher', channelConfig: wire(channel), voucher: last }))
      }
      while (headers.length > 0) {
        for (let i = 0; i <= BLOCK; i++) {
          const { ms, response } = await timed('/free')
          if (response.status !== 200) throw new Error(`P9 /free: answered ${response.status}`)
          if (i > 0) times.free.push(ms)
        }
        for (const [i, header] of headers.splice(0, BLOCK + 1).entries()) {
          cumulative += PRICE
          const { ms } = await paid('/batch', expected)(header)
          if (i > 0) times.batch.push(ms)
        }
      }
      opened.push({ channel, depositTx: first.receipt.transaction, lastVoucher: last, cumulative })
    }

    // exact in the same run: each payment signed beforehand, then the paid request timed to its settled answer.
    const exactOffer = await offerOf('/exact')
    const payer = exactPayer(chain.buyer)
    const exactTxs = []
    for (let i = 0; i < exactPayments; i++) {
      const header = await payer.pay({ offer: exactOffer, request: new Request(`${server.url}/exact`), signal: new AbortController().signal })
      const { ms, receipt } = await paid('/exact')(header)
      times.exact.push(ms)
      exactTxs.push(receipt.transaction)
    }
    const { times: inServer = {}, cpuTimes: cpuInServer = {} } = await server.stop()
    children.splice(children.indexOf(server), 1)

    // 3. More channels, each opened by a deposit of one request's worth through localFacilitator (all at once).
    const facilitator = localFacilitator({ rpcUrl: relay.url, settler: anvil.privateKeys[6], receiverAuthorizer: authorizerKey, pollingIntervalMs: 100 })
    const live = () => new AbortController().signal
    const more = await Promise.all(
      Array.from({ length: claimChannels }, async () => {
        const channel = kit.newChannel()
        const deposit = await kit.erc3009Deposit(channel, PRICE, PRICE)
        const settled = await facilitator.settle(kit.requestFor(deposit), live())
        if (!settled.success) throw new Error(`P9: a deposit failed: ${settled.errorReason} ${settled.errorMessage ?? ''}`)
        return { channel, depositTx: settled.transaction, lastVoucher: deposit.voucher, cumulative: PRICE }
      }),
    )

    // 2. and 3. One claim of every channel, then the sweep to the receiver.
    const all = [...opened, ...more]
    const claims = all.map(({ channel, lastVoucher, cumulative }) => ({
      voucher: { channel: wire(channel), maxClaimableAmount: lastVoucher.maxClaimableAmount },
      signature: lastVoucher.signature,
      totalClaimed: String(cumulative),
    }))
    const claimed = await facilitator.settle(kit.requestFor({ type: 'claim', claims }), live())
    if (!claimed.success || claimed.extra?.claims?.length !== all.length) throw new Error(`P9: the claim failed: ${claimed.errorReason ?? ''} ${claimed.errorMessage ?? JSON.stringify(claimed.extra)}`)
    const receiverBefore = await kit.balanceOf(chain.payTo)
    const swept = await facilitator.settle(kit.requestFor({ type: 'settle', receiver: chain.payTo, token: kit.token }), live())
    if (!swept.success) throw new Error(`P9: the settle failed: ${swept.errorReason} ${swept.errorMessage ?? ''}`)
    const owed = all.reduce((sum, { cumulative }) => sum + cumulative, 0n)
    const received = (await kit.balanceOf(chain.payTo)) - receiverBefore
    if (received !== owed) throw new Error(`P9: the receiver got ${received}, the channels owed ${owed}`)

    const gas = {
      deposits: await Promise.all(opened.map(({ depositTx }) => gasOf(depositTx))),
      moreDeposits: await Promise.all(more.map(({ depositTx }) => gasOf(depositTx))),
      claim: await gasOf(claimed.transaction),
      claimBytes: ((await reader.getTransaction({ hash: claimed.transaction })).input.length - 2) / 2,
      settle: await gasOf(swept.transaction),
      exact: await Promise.all(exactTxs.map(gasOf)),
    }
    const mid = (list) => Number(median(list.map(Number)))
    const floor = await depositFloor(reader, (more[0] ?? opened.at(-1)).depositTx, chain.token)
    Object.assign(result, {
      free: median(times.free),
      batch: median(times.batch),
      samples: times.batch.length,
      deposit: median(times.deposit),
      exact: median(times.exact),
      exactPayments,
      inServer: Object.fromEntries(Object.entries(inServer).map(([path, list]) => [path, median(list)])),
      cpuInServer: Object.fromEntries(Object.entries(cpuInServer).map(([path, list]) => [path, median(list)])),
      claimedChannels: all.length,
      received,
      gas: {
        // Every channel's deposit, p50: the very first one into the contract also fills its empty token balance.
        deposit: mid([...gas.deposits, ...gas.moreDeposits]),
        firstDeposit: Number(gas.deposits[0]),
        claim: Number(gas.claim),
        claimBytes: gas.claimBytes,
        settle: Number(gas.settle),
        exact: mid(gas.exact),
        exactRange: [Math.min(...gas.exact.map(Number)), Math.max(...gas.exact.map(Number))],
        floor,
      },
    })
  } finally {
    for (const child of children) await child.stop().catch(() => undefined)
    await anvil.stop()
  }
  // 4. Alone: nothing else of this run is left running. Then, for reading beside 1, the seller's CPU in process.
  result.verify = await pinnedChild('./voucher-verify-child.js', [vouchers, rounds])
  result.ownCost = await pinnedChild('./batch-own-cost-child.js', [ownCostPerRound, rounds])
  return result
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { buildSources } = await import('./lib/build.js')
  await buildSources()
  console.log(await runBatchSpeed())
}
