// --framework fetch (the default): no framework at all, the core's `paywall.protect(handler)` on Node.
import { createPaywall } from '@tollgate/x402'
import { respond } from '../routes.js'
import { listen } from './node-listen.js'

/**
 * @param {import('../server-setup.js').ServerSetup} setup
 * @param {number} port
 */
export function startFetchServer(setup, port) {
  const paywall = createPaywall(setup.paywallOptions)
  return listen(
    paywall.protect((request, payment) => respond(setup.endpoints, request, payment)),
    port,
  ).then((server) => ({ ...server, paywall }))
}
