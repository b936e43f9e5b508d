// The demo API on Bun.serve with @tollgate/bun: run by servers/bun.js under `bun`, configured by the environment
// it sets (server-setup.js). Prints `listening on URL` once it listens.
import { withPaywall } from '@tollgate/bun'
import { NOT_FOUND, respond } from '../routes.js'
import { serverSetupFromEnv } from '../server-setup.js'

/**
 * Just what this file uses of Bun's API (the bun-types package has it all).
 *
 * @typedef {(request: Request, server: unknown) => Response | Promise<Response>} BunHandler
 * @typedef {{ serve(options: { hostname: string, port: number, routes: Record<string, Record<string, BunHandler>>, fetch: BunHandler }): { port: number, stop(force?: boolean): Promise<void> } }} BunRuntime
 */
const Bun = /** @type {{ Bun: BunRuntime }} */ (/** @type {unknown} */ (globalThis)).Bun

const setup = await serverSetupFromEnv(process.env, (line) => console.log(line))
// One paywall (the routes map) for every route, so that all of them share its store.
const paid = withPaywall((request, _server, payment) => respond(setup.endpoints, request, payment), setup.paywallOptions)

/** @type {Record<string, Record<string, BunHandler>>} */
const routes = {}
for (const endpoint of setup.endpoints) (routes[endpoint.path] ??= {})[endpoint.method] = paid

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  routes,
  fetch: () => Response.json(NOT_FOUND, { status: 404 }),
})
console.log(`listening on http://127.0.0.1:${server.port}`)

async function shutdown() {
  await server.stop(true)
  await setup.close(paid)
  process.exit(0)
}
process.once('SIGTERM', shutdown)
process.once('SIGINT', shutdown)
// If the demo died without stopping us (SIGKILL), do not outlive it.
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) shutdown()
}, 500).unref()
