// The demo itself (index.js loads it once the packages it uses are built).
// `npm run demo`: a paid API on a local chain, and a buyer that pays it. No keys, no network.
// `npm run demo -- --serve`: keep the API and its chain up for any x402 client; the first stdout line says how.
// `--framework` picks what serves the API, `--redis` where the paywall keeps its state (see args.js).
import { USAGE, readArgs } from './args.js'
import { BUYER_FUNDS, USDC, joinChain, startChain } from './chain.js'
import { createLifecycle } from './lifecycle.js'
import { neverminedFromEnv } from './nevermined.js'
import { paidRoutes, summarize } from './routes.js'
import { checkRedis } from './server-setup.js'
import { startServer } from './servers/index.js'
import { dollars } from './show.js'
import { runStory } from './story.js'

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
  const log = (/** @type {string} */ line) => process.stderr.write(`[demo] ${line}\n`)
  const lifecycle = createLifecycle({ log })
  lifecycle.onSignal((signal) => process.exit(args.serve ? 0 : signal === 'SIGINT' ? 130 : 143))
  lifecycle.onOrphaned(() => process.exit(args.serve ? 0 : 1))

  try {
    const nvm = await neverminedFromEnv(process.env)
    if ('skipped' in nvm && process.env.NVM_API_KEY) say(`Nevermined route skipped: ${nvm.skipped}.`)
    const nevermined = 'setup' in nvm ? nvm.setup : undefined
    if (args.redis) {
      await checkRedis(args.redis)
      say(`The paywall keeps its state in Redis at ${args.redis} (instances sharing it refuse each other's used payments).`)
    }

    if (args.chain === 'solana') {
      const { runSolana } = await import('./solana.js')
      await runSolana({ serve: args.serve, port: args.port, say, onStop: (what, stop) => lifecycle.onStop(what, stop) })
      await lifecycle.stopAll()
      return 0
    }

    let chain
    if (args.join) {
      chain = await joinChain(args.join)
      say(`Joined the chain at ${chain.rpcUrl} (chain id ${chain.chainId}) and its TestUSDC at ${chain.asset}`)
      say(`buyer ${chain.buyer.address} (funded by the demo that started the chain); seller (payTo) ${chain.seller}`)
    } else {
      say(`Starting anvil (chain id ${args.chainId}) ...`)
      chain = await startChain({
        chainId: args.chainId,
        onStarted: (anvil) => lifecycle.onStop(`anvil (pid ${anvil.pid})`, () => anvil.stop()),
      })
      say(`anvil pid ${chain.anvil?.pid} on ${chain.rpcUrl}, chain id ${chain.chainId}`)
      say(`TestUSDC (EIP-712 "${USDC.name}" v${USDC.version}) deployed at ${chain.asset}`)
      say(`buyer ${chain.buyer.address} funded with ${dollars(BUYER_FUNDS)} of TestUSDC; seller (payTo) ${chain.seller}`)
    }

    if (args.mcp) {
      const { runMcpStory } = await import('./mcp.js')
      await runMcpStory({ chain, port: args.port, say, onStop: (what, stop) => lifecycle.onStop(what, stop) })
      await lifecycle.stopAll()
      return 0
    }

    // With --serve, every paywall step is logged (to stderr), for whoever is watching the clients pay.
    const config = {
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      asset: chain.asset,
      seller: chain.seller,
      settlerKey: chain.settlerKey,
      logEvents: args.serve,
      ...(args.redis ? { redisUrl: args.redis } : {}),
    }
    const server = await startServer(args.framework, {
      config,
      ...(nevermined ? { nevermined: nevermined.route } : {}),
      port: args.port,
      log: (line) => process.stderr.write(`${line}\n`),
      onExit: (code, signal) => {
        log(`the ${args.framework} server stopped by itself (${code ?? signal})`)
        lifecycle.stopAll().then(() => process.exit(1))
      },
    })
    const what = server.pid === undefined ? 'the API server' : `the ${args.framework} server (pid ${server.pid})`
    // Stopping the API claims and settles its channels (batch-settlement), so it stops before the chain, once.
    /** @type {Promise<void> | undefined} */
    let closing
    const closeApi = () => (closing ??= server.close())
    lifecycle.onStop(what, closeApi)
    const routes = summarize(paidRoutes({ ...chain, ...(nevermined ? { ask: nevermined.route.option } : {}) }))
    const where = server.pid === undefined ? args.framework : `${args.framework}, pid ${server.pid}`
    say(`Paid API on ${server.url} (${where})`)
    for (const route of routes) say(`  ${route.method} ${route.path}: ${route.amount} (${route.scheme} on ${route.network})`)

    if (args.serve) {
      const announcement = {
        url: server.url,
        routes,
        chain: { rpcUrl: chain.rpcUrl, chainId: chain.chainId, asset: chain.asset },
        buyer: { address: chain.buyer.address, privateKey: chain.buyerKey },
      }
      process.stdout.write(`${JSON.stringify(announcement)}\n`)
      say('Serving until Ctrl-C or SIGTERM.')
      return new Promise(() => {}) // the signal handler stops everything and exits
    }

    await runStory({ url: server.url, chain, ...(nevermined ? { neverminedPayer: nevermined.payer } : {}), say, closeApi })
    await lifecycle.stopAll()
    return 0
  } catch (error) {
    process.stderr.write(`\nThe demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    await lifecycle.stopAll()
    return 1
  }
}
