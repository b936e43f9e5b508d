// The paid API: a free route, two USDC-priced routes settled on the local chain, and (with a Nevermined
// API key) a credit-priced route. One fetch handler behind `paywall.protect`, served by @hono/node-server.
import { serve } from '@hono/node-server'
import { combineFacilitators, createPaywall, exact } from '@tollgate/x402'
import { localFacilitator } from '@tollgate/x402/evm'
import { USDC } from './chain.js'

/** The USDC prices, per route. */
export const PRICES = Object.freeze({ 'GET /weather': '$0.001', 'GET /premium': '$0.01' })

/**
 * @typedef {import('./chain.js').DemoChain} DemoChain
 * @typedef {import('@tollgate/x402').PaymentOption} PaymentOption
 * @typedef {import('@tollgate/x402').Facilitator} Facilitator
 * @typedef {import('@tollgate/x402').PaywallEvent} PaywallEvent
 *
 * @typedef {object} NeverminedRoute  what the Nevermined module adds: its facilitator and the plan's option
 * @property {Facilitator} facilitator
 * @property {PaymentOption} option
 *
 * @typedef {object} RouteSummary  one paid route, as `--serve` announces it
 * @property {string} method
 * @property {string} path
 * @property {string} scheme
 * @property {string} network
 * @property {string} amount  atomic units (exact) or credits (Nevermined)
 */

/**
 * @param {{ chain: DemoChain, nevermined?: NeverminedRoute, onEvent?: (event: PaywallEvent) => void }} options
 */
export function createApi({ chain, nevermined, onEvent }) {
  const network = `eip155:${chain.anvil.chainId}`
  const asset = { address: chain.asset, ...USDC }
  /** @type {Record<string, PaymentOption>} */
  const routes = {}
  for (const [route, price] of Object.entries(PRICES)) routes[route] = exact({ price, network, payTo: chain.seller, asset })
  if (nevermined) routes['POST /ask'] = nevermined.option

  const local = localFacilitator({ rpcUrl: chain.anvil.rpcUrl, settler: chain.settlerKey, pollingIntervalMs: 100 })
  const facilitator = nevermined ? combineFacilitators({ exact: local, [nevermined.option.requirements.scheme]: nevermined.facilitator }) : local
  const paywall = createPaywall({ routes, facilitator, ...(onEvent ? { onEvent } : {}) })

  /** @type {RouteSummary[]} */
  const summary = Object.entries(routes).map(([key, option]) => {
    const [method = '', path = ''] = key.split(' ')
    const { scheme, network: optionNetwork } = option.requirements
    const amount = typeof option.amount === 'string' ? option.amount : 'dynamic'
    return { method, path, scheme, network: optionNetwork, amount }
  })

  const fetch = paywall.protect(async (request, ctx) => {
    const { pathname } = new URL(request.url)
    const route = `${request.method} ${pathname}`
    const paidBy = ctx.payment?.payer ?? null
    if (route === 'GET /') return Response.json({ name: 'Tollgate demo API', free: ['GET /'], paid: summary })
    if (route === 'GET /weather') return Response.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 21, paidBy })
    if (route === 'GET /premium') return Response.json({ insight: 'Paid APIs need no accounts: a signature is enough.', paidBy })
    if (route === 'POST /ask' && nevermined) {
      const body = await request.json().catch(() => ({}))
      const question = typeof body?.question === 'string' ? body.question : '(no question)'
      return Response.json({ question, answer: '42', paidBy })
    }
    return Response.json({ error: 'not_found' }, { status: 404 })
  })

  return { fetch, routes: summary }
}

/**
 * Serves `fetch` on 127.0.0.1 (`port` 0 picks a free port) and resolves once it listens.
 *
 * @param {(request: Request) => Promise<Response>} fetch
 * @param {number} port
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export function listen(fetch, port) {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: '127.0.0.1', port }, (info) => {
      server.off('error', reject)
      const close = () =>
        /** @type {Promise<void>} */ (
          new Promise((done) => {
            server.close(() => done())
            // Keep-alive connections would hold close() open.
            if ('closeAllConnections' in server) server.closeAllConnections()
          })
        )
      resolve({ url: `http://127.0.0.1:${info.port}`, port: info.port, close })
    })
    server.once('error', reject)
  })
}
