// Starts the demo API with the framework asked for. fetch, hono, fastify, express and node run in the demo's
// process; next and bun run in their own, configured through the environment (server-setup.js: configToEnv).
import { createServerSetup } from '../server-setup.js'
import { startBunServer } from './bun.js'
import { startExpressServer } from './express.js'
import { startFastifyServer } from './fastify.js'
import { startFetchServer } from './fetch.js'
import { startHonoServer } from './hono.js'
import { startNextServer } from './next.js'
import { startNodeServer } from './node.js'

/**
 * @typedef {import('../args.js').Framework} Framework
 * @typedef {import('../server-setup.js').ServerConfig} ServerConfig
 * @typedef {import('../server-setup.js').NeverminedRoute} NeverminedRoute
 * @typedef {import('./node-listen.js').RunningServer & { pid?: number }} DemoServer  `pid` when in another process
 *
 * @typedef {object} StartServerOptions
 * @property {ServerConfig} config
 * @property {NeverminedRoute} [nevermined]  POST /ask (servers in another process read NVM_* themselves)
 * @property {number} port  0 = a free one
 * @property {(line: string) => void} log  the server's log lines (events, and the output of a child process)
 * @property {(code: number | null, signal: NodeJS.Signals | null) => void} [onExit]  a child server stopped by itself
 */

const IN_PROCESS = { fetch: startFetchServer, hono: startHonoServer, fastify: startFastifyServer, express: startExpressServer, node: startNodeServer }

/**
 * @param {Framework} framework
 * @param {StartServerOptions} options
 * @returns {Promise<DemoServer>}
 */
export async function startServer(framework, { config, nevermined, port, log, onExit }) {
  if (framework === 'next' || framework === 'bun') {
    const start = framework === 'next' ? startNextServer : startBunServer
    return start(config, { port, log, ...(onExit ? { onExit } : {}) })
  }
  const setup = await createServerSetup(config, { ...(nevermined ? { nevermined } : {}), log })
  try {
    const server = await IN_PROCESS[framework](setup, port)
    return {
      url: server.url,
      // The server stops taking requests, then its paywall closes (claims and settles the channels), then Redis.
      async close() {
        try {
          await server.close()
        } finally {
          await setup.close(server.paywall)
        }
      },
    }
  } catch (error) {
    await setup.close()
    throw error
  }
}
