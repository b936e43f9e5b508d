// The demo API's routes, in one place for every framework: what each paid route costs, and what each route
// answers. The servers in servers/ only wire these to their framework.
import { exact, upto } from '@tollgate/x402'
import { batchSettlement } from '@tollgate/x402/evm'
import { bazaar, paymentIdentifier, signInWithX } from '@tollgate/x402/extensions'
import { USDC } from './token.js'

/** The USDC prices, per route. */
export const PRICES = Object.freeze({ 'GET /weather': '$0.001', 'GET /premium': '$0.01' })

/** POST /generate is metered (upto): at most $0.05 a request, $0.0001 (100 atomic units) per output token. */
export const METERED = Object.freeze({ route: 'POST /generate', maxPrice: '$0.05', perToken: 100n, maxTokens: 500 })

/**
 * GET /quote is sold by the channel (batch-settlement): one deposit, then a voucher per request with no transaction;
 * the seller claims them all in one transaction later. Its receiver authorizer is the local facilitator's.
 */
export const BATCH = Object.freeze({ route: 'GET /quote', price: '$0.001', requests: 50 })

/** GET /premium lets a buyer that paid for it come back by signing in with its wallet, for ten minutes. */
export const SIGN_IN = Object.freeze({ route: 'GET /premium', accessMs: 10 * 60_000 })

/**
 * @typedef {import('@tollgate/x402').PaymentOption} PaymentOption
 *
 * @typedef {object} RouteSummary  one paid route, as `--serve` announces it
 * @property {string} method
 * @property {string} path
 * @property {string} scheme
 * @property {string} network
 * @property {string} amount  atomic units (exact) or credits (Nevermined)
 *
 * @typedef {object} Endpoint  one route of the API, free or paid (the paywall's routes map says which)
 * @property {string} method
 * @property {string} path
 * @property {(input: { paidBy: string | null, body: unknown, ctx?: import('@tollgate/x402').PaymentContext }) => object} answer  the JSON it
 *   answers with; `ctx` is the paywall's context, for routes that charge what they used (`ctx.charge`)
 */

/**
 * The paywall's routes map: the USDC routes on the given chain, and POST /ask when Nevermined sells it.
 *
 * @param {{ chainId: number, asset: `0x${string}`, seller: `0x${string}`, ask?: PaymentOption }} options
 * @returns {Record<string, PaymentOption>}
 */
export function paidRoutes({ chainId, asset, seller, ask }) {
  const network = `eip155:${chainId}`
  const token = { address: asset, ...USDC }
  /** @type {Record<string, PaymentOption>} */
  const routes = {}
  for (const [route, price] of Object.entries(PRICES)) routes[route] = exact({ price, network, payTo: seller, asset: token })
  routes[METERED.route] = upto({ maxPrice: METERED.maxPrice, network, payTo: seller, asset: { ...token, decimals: 6 } })
  // No timer claims in the demo (a real seller keeps the periodic default): paywall.close() claims when the API stops.
  routes[BATCH.route] = batchSettlement({ price: BATCH.price, network, payTo: seller, asset: token, claims: { periodicMs: 0, onWithdrawal: false } })
  if (ask) routes['POST /ask'] = ask
  return routes
}

/** What each paid route publishes for discovery (bazaar): how to call it and an example of its answer. */
const DISCOVERY = Object.freeze({
  'GET /weather': { output: { example: { city: 'Lisbon', forecast: 'sunny', temperatureC: 21 } } },
  'GET /premium': { output: { example: { insight: 'Paid APIs need no accounts: a signature is enough.' } } },
  'POST /generate': {
    input: { body: { example: { prompt: 'paid APIs need no accounts' }, schema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] } } },
    output: { example: { text: 'accounts no need APIs paid', outputTokens: 5, charged: '500' } },
  },
  'GET /quote': { output: { example: { symbol: 'USDC', price: '1.0000', tick: 1 } } },
  'POST /ask': { input: { body: { example: { question: 'What is the answer?' } } }, output: { example: { answer: '42' } } },
})

/**
 * The routes map with the x402 extensions every paid route speaks: discovery metadata (bazaar) and payment ids
 * (payment-identifier: a retry under the same id is answered again, never charged twice); and on GET /premium,
 * sign-in-with-x (a payer who paid comes back by signing in). docs/extensions.md.
 *
 * @param {Record<string, PaymentOption>} routes
 * @returns {Record<string, import('@tollgate/x402').RouteConfig>}
 */
export function withExtensions(routes) {
  return Object.fromEntries(
    Object.entries(routes).map(([key, accepts]) => {
      const extensions = [paymentIdentifier(), bazaar(/** @type {Record<string, object>} */ (DISCOVERY)[key] ?? {})]
      if (key === SIGN_IN.route) extensions.push(signInWithX({ accessMs: SIGN_IN.accessMs, statement: 'Sign in to read the premium insight again' }))
      return [key, { accepts, extensions }]
    }),
  )
}

/**
 * @param {Record<string, PaymentOption>} routes
 * @returns {RouteSummary[]}
 */
export function summarize(routes) {
  return Object.entries(routes).map(([key, option]) => {
    const [method = '', path = ''] = key.split(' ')
    const { scheme, network } = option.requirements
    const amount = typeof option.amount === 'string' ? option.amount : 'dynamic'
    return { method, path, scheme, network, amount }
  })
}

/**
 * Every route the API serves, with its answer. POST /ask only when the routes map sells it.
 *
 * @param {Record<string, PaymentOption>} routes
 * @returns {Endpoint[]}
 */
export function endpoints(routes) {
  const paid = summarize(routes)
  /** @type {Endpoint[]} */
  const list = [
    { method: 'GET', path: '/', answer: () => ({ name: 'Tollgate demo API', free: ['GET /'], paid }) },
    { method: 'GET', path: '/weather', answer: ({ paidBy }) => ({ city: 'Lisbon', forecast: 'sunny', temperatureC: 21, paidBy }) },
    { method: 'GET', path: '/premium', answer: premium },
  ]
  if (routes[BATCH.route]) list.push({ method: 'GET', path: '/quote', answer: quote() })
  if (routes[METERED.route]) list.push({ method: 'POST', path: '/generate', answer: generate })
  if (routes['POST /ask']) {
    list.push({
      method: 'POST',
      path: '/ask',
      answer: ({ paidBy, body }) => {
        const question = /** @type {{ question?: unknown } | undefined} */ (body)?.question
        return { question: typeof question === 'string' ? question : '(no question)', answer: '42', paidBy }
      },
    })
  }
  return list
}

/**
 * GET /premium: paid, or signed in by a wallet that paid before (sign-in-with-x: `ctx.payer` with no payment).
 *
 * @type {Endpoint['answer']}
 */
function premium({ paidBy, ctx }) {
  const insight = 'Paid APIs need no accounts: a signature is enough.'
  if (!paidBy && ctx?.payer && !ctx.payment) return { insight, paidBy: ctx.payer, signedIn: true }
  return { insight, paidBy }
}

/**
 * GET /quote: a price tick per request, counted per API (each request on the channel is one tick).
 *
 * @returns {Endpoint['answer']}
 */
function quote() {
  let tick = 0
  return ({ paidBy }) => ({ symbol: 'USDC', price: '1.0000', tick: ++tick, paidBy })
}

/**
 * A stand-in for a language model: the output is the prompt's words, backwards, twice (at most maxTokens), and
 * the request costs what it produced, reported with ctx.charge (the paywall settles that, at most the maximum).
 *
 * @type {Endpoint['answer']}
 */
function generate({ paidBy, body, ctx }) {
  const prompt = /** @type {{ prompt?: unknown } | undefined} */ (body)?.prompt
  const words = typeof prompt === 'string' ? prompt.split(/\s+/).filter(Boolean) : []
  const output = [...words].reverse().concat([...words].reverse()).slice(0, METERED.maxTokens)
  const cost = BigInt(output.length) * METERED.perToken
  ctx?.charge(cost)
  return { text: output.join(' '), outputTokens: output.length, charged: cost.toString(), paidBy }
}

/** The answer to a route the API does not have. */
export const NOT_FOUND = Object.freeze({ error: 'not_found' })

/**
 * For fetch-shaped servers (the core's protect, Next, Bun): the endpoint for this request, answered.
 *
 * @param {Endpoint[]} list
 * @param {Request} request
 * @param {import('@tollgate/x402').PaymentContext | undefined} payment
 * @returns {Promise<Response>}
 */
export async function respond(list, request, payment) {
  const { pathname } = new URL(request.url)
  const endpoint = list.find((candidate) => candidate.method === request.method && candidate.path === pathname)
  if (!endpoint) return Response.json(NOT_FOUND, { status: 404 })
  const body = request.method === 'POST' ? await request.json().catch(() => undefined) : undefined
  return Response.json(endpoint.answer({ paidBy: payment?.payment?.payer ?? null, body, ...(payment ? { ctx: payment } : {}) }))
}
