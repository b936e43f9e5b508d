// Every route file of this app exports this handler: @tollgate/next's withPaywall around the demo's routes.
// The paywall is made on the first request, not when the module loads: `next build` loads the modules once
// and the build is reused, while the chain, the token and Redis differ on every run of the demo.
import { withPaywall } from '@tollgate/next'
import { respond } from '../routes.js'
import { serverSetupFromEnv } from '../server-setup.js'

/** @typedef {(request: Request, context: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>} RouteHandler */

// On globalThis: Next may load this module once per route bundle, and all routes must share one paywall (one store).
const shared = /** @type {{ tollgateDemo?: Promise<RouteHandler> }} */ (globalThis)

function paidHandler() {
  // Next hands its handlers `localhost` URLs: the demo gives the origin it announced (resource URLs, sign-in challenges).
  const baseUrl = process.env.TOLLGATE_DEMO_BASE_URL
  shared.tollgateDemo ??= serverSetupFromEnv(process.env, (line) => console.log(line)).then((setup) => {
    const handler = withPaywall((request, { payment }) => respond(setup.endpoints, request, payment), baseUrl ? { ...setup.paywallOptions, baseUrl } : setup.paywallOptions)
    stopWith(setup, handler)
    return handler
  })
  return shared.tollgateDemo
}

/**
 * On SIGTERM or SIGINT, the paywall closes (the channels' claims and settles) before the process exits: the demo
 * starts `next start` with NEXT_MANUAL_SIG_HANDLE, so that Next leaves these signals to the app.
 *
 * @param {import('../server-setup.js').ServerSetup} setup
 * @param {import('../server-setup.js').Closable} handler  withPaywall's handler: its close() is its paywall's
 */
function stopWith(setup, handler) {
  const stop = () => setup.close(handler).finally(() => process.exit(0))
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

/** @type {RouteHandler} */
export async function handle(request, context) {
  return (await paidHandler())(request, context)
}
