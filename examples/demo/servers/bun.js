// --framework bun: servers/bun-server.js under the bun runtime from npm (node_modules/.bin/bun), in its own process.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { configToEnv } from '../server-setup.js'
import { startChildServer } from './child.js'

const require = createRequire(import.meta.url)
const SCRIPT = fileURLToPath(new URL('./bun-server.js', import.meta.url))

/** The bun binary the `bun` npm package installed. */
export function bunBinary() {
  const pkg = dirname(require.resolve('bun/package.json'))
  return join(pkg, /** @type {{ bin: { bun: string } }} */ (require('bun/package.json')).bin.bun)
}

/**
 * @param {import('../server-setup.js').ServerConfig} config
 * @param {{ port: number, log: (line: string) => void, onExit?: (code: number | null, signal: NodeJS.Signals | null) => void }} options
 */
export function startBunServer(config, { port, log, onExit }) {
  return startChildServer(bunBinary(), [SCRIPT], {
    name: 'bun',
    env: { ...configToEnv(config), PORT: String(port) },
    ready: /listening on (http:\/\/\S+)/,
    log,
    ...(onExit ? { onExit } : {}),
  })
}
