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
  shared.tollgateDemo ??= serverSetupFromEnv(process.env, (line) => console.log(line)).then((setup) =>
    withPaywall((request, { payment }) => respond(setup.endpoints, request, payment), setup.paywallOptions),
  )
  return shared.tollgateDemo
}

/** @type {RouteHandler} */
export async function handle(request, context) {
  return (await paidHandler())(request, context)
}
