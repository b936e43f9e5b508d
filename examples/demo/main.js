// The demo itself (index.js loads it once @tollgate/x402 is built).
// `npm run demo`: a paid API on a local chain, and a buyer that pays it. No keys, no network.
// `npm run demo -- --serve`: keep the API and its chain up for any x402 client; the first stdout line says how.
import { createApi, listen } from './api.js'
import { USAGE, readArgs } from './args.js'
import { BUYER_FUNDS, USDC, startChain } from './chain.js'
import { createLifecycle } from './lifecycle.js'
import { neverminedFromEnv } from './nevermined.js'
import { dollars, eventLine } from './show.js'
import { runStory } from './story.js'

/** @typedef {import('@tollgate/x402').PaywallEvent} PaywallEvent */

/**
 * Runs the demo; resolves with the exit code (with --serve it never resolves: a signal ends it).
 *
 * @param {string[]} argv  the arguments after the script name
 * @returns {Promise<number>}
 */
export async function main(argv) {
  let args
  try {
    args = readArgs(argv)
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`)
    return 2
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }

  // With --serve, stdout carries one JSON line for programs; everything for people goes to stderr.
  /** @param {string} [line] */
  const say = (line = '') => (args.serve ? process.stderr : process.stdout).write(`${line}\n`)
  const lifecycle = createLifecycle({ log: (line) => process.stderr.write(`[demo] ${line}\n`) })
  lifecycle.onSignal((signal) => process.exit(args.serve ? 0 : signal === 'SIGINT' ? 130 : 143))
  lifecycle.onOrphaned(() => process.exit(args.serve ? 0 : 1))

  try {
    const nvm = await neverminedFromEnv(process.env)
    if ('skipped' in nvm && process.env.NVM_API_KEY) say(`Nevermined route skipped: ${nvm.skipped}.`)
    const nevermined = 'setup' in nvm ? nvm.setup : undefined

    say(`Starting anvil (chain id ${args.chainId}) ...`)
    const chain = await startChain({
      chainId: args.chainId,
      onStarted: (anvil) => lifecycle.onStop(`anvil (pid ${anvil.pid})`, () => anvil.stop()),
    })
    say(`anvil pid ${chain.anvil.pid} on ${chain.anvil.rpcUrl}, chain id ${chain.anvil.chainId}`)
    say(`TestUSDC (EIP-712 "${USDC.name}" v${USDC.version}) deployed at ${chain.asset}`)
    say(`buyer ${chain.buyer.address} funded with ${dollars(BUYER_FUNDS)} of TestUSDC; seller (payTo) ${chain.seller}`)

    // With --serve, every paywall step is logged (to stderr), for whoever is watching the clients pay.
    const onEvent = args.serve ? (/** @type {PaywallEvent} */ event) => say(`[api] ${eventLine(event)}`) : undefined
    const api = createApi({ chain, ...(nevermined ? { nevermined: nevermined.route } : {}), ...(onEvent ? { onEvent } : {}) })
    const server = await listen(api.fetch, args.port)
    lifecycle.onStop('the API server', () => server.close())
    say(`Paid API on ${server.url}`)
    for (const route of api.routes) say(`  ${route.method} ${route.path}: ${route.amount} (${route.scheme} on ${route.network})`)

    if (args.serve) {
      const announcement = {
        url: server.url,
        routes: api.routes,
        chain: { rpcUrl: chain.anvil.rpcUrl, chainId: chain.anvil.chainId, asset: chain.asset },
        buyer: { address: chain.buyer.address, privateKey: chain.buyerKey },
      }
      process.stdout.write(`${JSON.stringify(announcement)}\n`)
      say('Serving until Ctrl-C or SIGTERM.')
      return new Promise(() => {}) // the signal handler stops everything and exits
    }

    await runStory({ url: server.url, chain, ...(nevermined ? { neverminedPayer: nevermined.payer } : {}), say })
    await lifecycle.stopAll()
    return 0
  } catch (error) {
    process.stderr.write(`\nThe demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    await lifecycle.stopAll()
    return 1
  }
}
