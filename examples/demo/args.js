// Command-line options of the demo.
import { parseArgs } from 'node:util'

/** How the API is served: `fetch` is the core's `paywall.protect(handler)` on Node; the others go through an adapter. */
export const FRAMEWORKS = Object.freeze(['fetch', 'hono', 'fastify', 'next', 'bun', 'express', 'node'])

export const USAGE = `Usage: npm run demo [-- --serve] [--port N] [--chain-id ID] [--framework NAME] [--redis URL]
                       [--rpc-url URL --asset ADDRESS] [--chain evm|solana]

  (no options)      start a local chain and a paid API, pay it as a buyer, print what happened, stop
  --serve           keep the API and its chain running until Ctrl-C / SIGTERM; the first stdout line is JSON
                    {url, routes, chain: {rpcUrl, chainId, asset}, buyer: {address, privateKey}}
  --port N          the API's port on 127.0.0.1 (default: 4021 with --serve, a free one otherwise; 0 = free)
  --chain-id ID     the local chain's id (default 31337; 84532 runs it as Base Sepolia, for x402 v1 clients)
  --framework NAME  serve the API with ${FRAMEWORKS.join(', ')} (default fetch: the core's paywall.protect)
  --redis URL       keep the paywall's state (replay guard, verification cache) in Redis, e.g. redis://127.0.0.1:6379
  --rpc-url URL     use a chain another demo started (its JSON's chain.rpcUrl) instead of starting anvil;
  --asset ADDRESS     with the TestUSDC it deployed (its JSON's chain.asset). Both or neither.
  --mcp             a paid MCP server (Streamable HTTP) and an agent that lists its tools, pays one and prints the
                    result and the receipt (instead of the HTTP API; not with --serve, --framework or --redis)
  --chain solana    the same on Solana: LiteSVM in process, USDC (devnet's mint), localSvmFacilitator, svmPayer;
                    with --serve the JSON is {url, routes, chain: {rpcUrl, network, mint}, buyer: {address,
                    secretKey}} and chain.rpcUrl a Solana JSON-RPC on 127.0.0.1 (with --port only)
  --help            this text

Environment: NVM_API_KEY and NVM_PLAN_ID (optional NVM_AGENT_ID, NVM_BACKEND_URL) add POST /ask, paid with
one credit of a Nevermined plan.`

export const DEFAULT_SERVE_PORT = 4021
export const DEFAULT_CHAIN_ID = 31337

/**
 * @typedef {'fetch' | 'hono' | 'fastify' | 'next' | 'bun' | 'express' | 'node'} Framework
 *
 * @typedef {object} DemoArgs
 * @property {boolean} serve
 * @property {number} port
 * @property {number} chainId  the chain to start (ignored with `join`: that chain says its own id)
 * @property {Framework} framework
 * @property {string} [redis]  a redis:// or rediss:// URL
 * @property {{ rpcUrl: string, asset: `0x${string}` }} [join]  a chain another demo started
 * @property {boolean} [mcp]  the MCP story instead of the HTTP API
 * @property {'solana'} [chain]  the API paid on Solana (LiteSVM) instead of the EVM chain
 * @property {boolean} help
 */

/**
 * @param {string[]} argv  the arguments after the script name
 * @returns {DemoArgs}
 */
export function readArgs(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      serve: { type: 'boolean', default: false },
      port: { type: 'string' },
      'chain-id': { type: 'string' },
      framework: { type: 'string' },
      redis: { type: 'string' },
      'rpc-url': { type: 'string' },
      asset: { type: 'string' },
      mcp: { type: 'boolean', default: false },
      chain: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  const serve = values.serve === true
  const port = values.port === undefined ? (serve ? DEFAULT_SERVE_PORT : 0) : wholeNumber(values.port, '--port', 0, 65535)
  const chainId = values['chain-id'] === undefined ? DEFAULT_CHAIN_ID : wholeNumber(values['chain-id'], '--chain-id', 1, Number.MAX_SAFE_INTEGER)
  /** @type {DemoArgs} */
  const args = { serve, port, chainId, framework: framework(values.framework), help: values.help === true }
  if (chainKind(values.chain) === 'solana') {
    const others = ['chain-id', 'framework', 'redis', 'rpc-url', 'asset', 'mcp'].filter((name) => values[/** @type {'mcp'} */ (name)] !== undefined && values[/** @type {'mcp'} */ (name)] !== false)
    if (others.length > 0) throw new Error(`--chain solana goes with --serve and --port only, not with ${others.map((name) => `--${name}`).join(', ')}.`)
    args.chain = 'solana'
  }
  if (values.mcp === true) {
    if (serve || values.framework !== undefined || values.redis !== undefined) throw new Error('--mcp runs the MCP story on its own: leave out --serve, --framework and --redis.')
    args.mcp = true
  }
  if (values.redis !== undefined) args.redis = redisUrl(values.redis)
  const join = joinedChain(values['rpc-url'], values.asset)
  if (join) {
    if (values['chain-id'] !== undefined) throw new Error('--chain-id starts a chain; with --rpc-url the chain already has its id. Give one or the other.')
    args.join = join
  }
  return args
}

/** @param {string | undefined} name */
function chainKind(name) {
  if (name === undefined || name === 'evm') return 'evm'
  if (name === 'solana') return 'solana'
  throw new Error(`--chain must be evm or solana, got "${name}".`)
}

/** @param {string | undefined} name */
function framework(name) {
  if (name === undefined) return 'fetch'
  if (!FRAMEWORKS.includes(name)) throw new Error(`--framework must be one of ${FRAMEWORKS.join(', ')}, got "${name}".`)
  return /** @type {Framework} */ (name)
}

/** @param {string} text */
function redisUrl(text) {
  if (!/^rediss?:\/\/\S+$/.test(text)) throw new Error(`--redis must be a redis:// or rediss:// URL, got "${text}".`)
  return text
}

/**
 * @param {string | undefined} rpcUrl
 * @param {string | undefined} asset
 * @returns {DemoArgs['join']}
 */
function joinedChain(rpcUrl, asset) {
  if (rpcUrl === undefined && asset === undefined) return undefined
  if (rpcUrl === undefined || asset === undefined) throw new Error('--rpc-url and --asset go together: the chain another demo started, and the TestUSDC it deployed there.')
  if (!/^https?:\/\/\S+$/.test(rpcUrl)) throw new Error(`--rpc-url must be an http:// or https:// URL, got "${rpcUrl}".`)
  if (!/^0x[0-9a-fA-F]{40}$/.test(asset)) throw new Error(`--asset must be a 0x-prefixed 20-byte address, got "${asset}".`)
  return { rpcUrl, asset: /** @type {`0x${string}`} */ (asset) }
}

/**
 * @param {string} text
 * @param {string} name
 * @param {number} min
 * @param {number} max
 */
function wholeNumber(text, name, min, max) {
  const value = /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${text}".`)
  return value
}
