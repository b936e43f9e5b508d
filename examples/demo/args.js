// Command-line options of the demo.
import { parseArgs } from 'node:util'

export const USAGE = `Usage: npm run demo [-- --serve [--port N] [--chain-id ID]]

  (no options)     start a local chain and a paid API, pay it as a buyer, print what happened, stop
  --serve          keep the API and its chain running until Ctrl-C / SIGTERM; the first stdout line is JSON
                   {url, routes, chain: {rpcUrl, chainId, asset}, buyer: {address, privateKey}}
  --port N         the API's port on 127.0.0.1 (default: 4021 with --serve, a free one otherwise; 0 = free)
  --chain-id ID    the local chain's id (default 31337; 84532 runs it as Base Sepolia, for x402 v1 clients)
  --help           this text

Environment: NVM_API_KEY and NVM_PLAN_ID (optional NVM_AGENT_ID, NVM_BACKEND_URL) add POST /ask, paid with
one credit of a Nevermined plan.`

export const DEFAULT_SERVE_PORT = 4021

/**
 * @typedef {object} DemoArgs
 * @property {boolean} serve
 * @property {number} port
 * @property {number} chainId
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
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  const serve = values.serve === true
  const port = values.port === undefined ? (serve ? DEFAULT_SERVE_PORT : 0) : wholeNumber(values.port, '--port', 0, 65535)
  const chainId = values['chain-id'] === undefined ? 31337 : wholeNumber(values['chain-id'], '--chain-id', 1, Number.MAX_SAFE_INTEGER)
  return { serve, port, chainId, help: values.help === true }
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
