// What every framework's server is made of: the routes (routes.js), the local facilitator on the demo's chain
// (plus Nevermined's for POST /ask), and the store: in memory, or Redis with --redis. The servers that run in
// another process (next, bun) get the same settings through environment variables.
import { combineFacilitators, memoryStore } from '@tollgate/x402'
import { localFacilitator } from '@tollgate/x402/evm'
import { batchEventLine, eventLine } from './event-line.js'
import { neverminedFromEnv } from './nevermined.js'
import { endpoints, paidRoutes, withExtensions } from './routes.js'

/**
 * @typedef {import('viem').Address} Address
 * @typedef {import('viem').Hex} Hex
 * @typedef {import('@tollgate/x402').PaywallOptions} PaywallOptions
 * @typedef {import('@tollgate/x402').PaymentOption} PaymentOption
 * @typedef {import('@tollgate/x402').Facilitator} Facilitator
 * @typedef {import('./routes.js').Endpoint} Endpoint
 *
 * @typedef {object} NeverminedRoute  what the Nevermined module adds: its facilitator and the plan's option
 * @property {Facilitator} facilitator
 * @property {PaymentOption} option
 *
 * @typedef {object} ServerConfig
 * @property {string} rpcUrl  the chain the payments settle on
 * @property {number} chainId
 * @property {Address} asset  TestUSDC
 * @property {Address} seller  payTo
 * @property {Hex} settlerKey  who submits the transfers
 * @property {string} [redisUrl]  keep the paywall's state in Redis
 * @property {boolean} logEvents  log every paywall step (with --serve)
 *
 * @typedef {object} ServerSetup
 * @property {PaywallOptions} paywallOptions  for createPaywall or any adapter: routes, facilitator, store, onEvent
 * @property {Endpoint[]} endpoints  every route and its answer
 * @property {(paywall?: Closable) => Promise<void>} close  closes the adapter's paywall, if given (its service claims
 *   and settles what the channels hold), then the Redis connection, if any
 *
 * @typedef {{ close(): Promise<void> }} Closable  an adapter's middleware or handler (`close()` is its paywall's)
 */

/**
 * @param {ServerConfig} config
 * @param {{ nevermined?: NeverminedRoute, log: (line: string) => void }} options
 * @returns {Promise<ServerSetup>}
 */
export async function createServerSetup(config, { nevermined, log }) {
  const routes = paidRoutes({ chainId: config.chainId, asset: config.asset, seller: config.seller, ...(nevermined ? { ask: nevermined.option } : {}) })
  const local = localFacilitator({ rpcUrl: config.rpcUrl, settler: config.settlerKey, pollingIntervalMs: 100 })
  // The local chain settles the EVM schemes (exact, the metered route's upto, the channels' batch-settlement) on its
  // chain; Nevermined its plan's.
  const chain = `eip155:${config.chainId}`
  const facilitator = nevermined
    ? combineFacilitators([
        { scheme: 'exact', network: chain, facilitator: local },
        { scheme: 'upto', network: chain, facilitator: local },
        { scheme: 'batch-settlement', network: chain, facilitator: local },
        { scheme: nevermined.option.requirements.scheme, network: '*', facilitator: nevermined.facilitator },
      ])
    : local
  const redis = config.redisUrl ? await openRedisStore(config.redisUrl, log) : undefined
  /** @type {PaywallOptions} */
  const paywallOptions = {
    routes: withExtensions(routes),
    facilitator,
    store: redis ?? memoryStore(),
    // The channels' claims and settles are always logged (they happen once, when the paywall closes); the rest with --serve.
    onEvent: (event) => {
      if (event.type.startsWith('batch.')) log(`[api] ${batchEventLine(event)}`)
      else if (config.logEvents) log(`[api] ${eventLine(event)}`)
    },
  }
  /** @param {Closable} [paywall] */
  async function close(paywall) {
    try {
      await paywall?.close()
    } catch (error) {
      log(`[api] could not claim the channels: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (redis) await closeWithin(redis, CLOSE_TIMEOUT_MS, log)
  }
  return { paywallOptions, endpoints: endpoints(routes), close }
}

// A Redis that went away must not hold the demo's exit.
const CLOSE_TIMEOUT_MS = 2_000

/**
 * @param {{ close(): Promise<void> }} store
 * @param {number} ms
 * @param {(line: string) => void} log
 */
async function closeWithin(store, ms, log) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve('late'), ms)))
  const outcome = await Promise.race([store.close().then(() => 'closed'), late])
  clearTimeout(timer)
  if (outcome === 'late') log(`[redis] the connection did not close within ${ms} ms; leaving it`)
}

/**
 * The setup of a server in another process: the config from `configToEnv`, Nevermined from NVM_* as usual.
 *
 * @param {NodeJS.ProcessEnv} env
 * @param {(line: string) => void} log
 */
export async function serverSetupFromEnv(env, log) {
  const nvm = await neverminedFromEnv(env)
  return createServerSetup(configFromEnv(env), { ...('setup' in nvm ? { nevermined: nvm.setup.route } : {}), log })
}

const ENV = Object.freeze({
  rpcUrl: 'TOLLGATE_DEMO_RPC_URL',
  chainId: 'TOLLGATE_DEMO_CHAIN_ID',
  asset: 'TOLLGATE_DEMO_ASSET',
  seller: 'TOLLGATE_DEMO_SELLER',
  settlerKey: 'TOLLGATE_DEMO_SETTLER_KEY',
  redisUrl: 'TOLLGATE_DEMO_REDIS_URL',
  logEvents: 'TOLLGATE_DEMO_LOG_EVENTS',
})

/**
 * @param {ServerConfig} config
 * @returns {Record<string, string>}
 */
export function configToEnv(config) {
  /** @type {Record<string, string>} */
  const env = {
    [ENV.rpcUrl]: config.rpcUrl,
    [ENV.chainId]: String(config.chainId),
    [ENV.asset]: config.asset,
    [ENV.seller]: config.seller,
    [ENV.settlerKey]: config.settlerKey,
    [ENV.logEvents]: config.logEvents ? '1' : '0',
  }
  if (config.redisUrl) env[ENV.redisUrl] = config.redisUrl
  return env
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @returns {ServerConfig}
 */
export function configFromEnv(env) {
  const need = (/** @type {string} */ name) => {
    const value = env[name]
    if (!value) throw new Error(`${name} is not set: this server is started by the demo (examples/demo/index.js), which sets it.`)
    return value
  }
  /** @type {ServerConfig} */
  const config = {
    rpcUrl: need(ENV.rpcUrl),
    chainId: Number(need(ENV.chainId)),
    asset: /** @type {Address} */ (need(ENV.asset)),
    seller: /** @type {Address} */ (need(ENV.seller)),
    settlerKey: /** @type {Hex} */ (need(ENV.settlerKey)),
    logEvents: env[ENV.logEvents] === '1',
  }
  const redisUrl = env[ENV.redisUrl]
  if (redisUrl) config.redisUrl = redisUrl
  return config
}

/**
 * A Store on Redis (loaded only with --redis). Connection errors are logged once each, not on every reconnect.
 *
 * @param {string} url
 * @param {(line: string) => void} log
 */
export async function openRedisStore(url, log) {
  const { redisStore } = await import('@tollgate/redis')
  let last = ''
  return redisStore({
    url,
    onError(error) {
      const message = error instanceof Error ? error.message || error.constructor.name : String(error)
      if (message !== last) log(`[redis] ${message}`)
      last = message
    },
  })
}

/**
 * Fails fast, with a clear message, when nothing answers at `url`. With a client of its own that does not
 * reconnect: a store's connection keeps retrying in the background, which is what a server wants, not a probe.
 *
 * @param {string} url
 */
export async function checkRedis(url) {
  const { createClient } = await import('redis')
  const client = createClient({ url, socket: { connectTimeout: 2_000, reconnectStrategy: false } })
  client.on('error', () => {}) // the failure surfaces from connect() below
  try {
    await client.connect()
    await client.ping()
  } catch (error) {
    throw new Error(`Redis at ${url} did not answer (${error instanceof Error ? error.message || error.constructor.name : String(error)}). Start one, e.g. \`redis-server --port 6379\`.`)
  } finally {
    client.destroy()
  }
}
