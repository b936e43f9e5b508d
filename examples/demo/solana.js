// `npm run demo -- --chain solana`: the same story on Solana, on LiteSVM (the Solana runtime in process, with the
// SPL Token program): a paid API priced in USDC (devnet's mint, written on the local chain), settled by
// localSvmFacilitator, and a buyer paying it with svmPayer. No keys, no validator, no network.
// With --serve it stays up for outside clients: the first stdout line is JSON with a Solana JSON-RPC on 127.0.0.1.
import { serve } from '@hono/node-server'
import { createPaywall, decodePaymentResponse, PAYMENT_RESPONSE } from '@tollgate/x402'
import { wrapFetch } from '@tollgate/x402/client'
import { createLiteSvmWorld, serveLiteSvmRpc } from '@tollgate/x402/litesvm'
import { bazaar, paymentIdentifier } from '@tollgate/x402/extensions'
import { exact, localSvmFacilitator, svmPayer, toBase58 } from '@tollgate/x402/svm'
import { balancesTable, paymentRequiredTable, receiptTable } from './show.js'

const BUYER_USDC = 10_000_000n // $10
const ONE_SOL = 1_000_000_000n
const PRICES = { '/weather': '$0.001', '/premium': '$0.01' }
/** What each route answers, for discovery. */
const EXAMPLES = /** @type {Record<string, object>} */ ({ '/weather': { city: 'Lisbon', forecast: 'sunny' }, '/premium': { insight: 'Solana settles in one slot here' } })

/**
 * @typedef {object} SolanaOptions
 * @property {boolean} serve
 * @property {number} port
 * @property {(line?: string) => void} say
 * @property {(name: string, stop: () => unknown) => void} onStop
 */

/** @param {SolanaOptions} options */
export async function runSolana({ serve: keepServing, port, say, onStop }) {
  const world = createLiteSvmWorld()
  const [feePayer, buyer, seller] = await Promise.all([world.newAccount({ sol: ONE_SOL }), world.newAccount({ sol: ONE_SOL, tokens: BUYER_USDC }), world.newAccount({ tokens: 0n })])
  const rpc = await serveLiteSvmRpc(world.svm)
  onStop('the Solana JSON-RPC', () => rpc.close())
  say(`LiteSVM (Solana runtime in process) as ${world.network}; USDC mint ${world.mint}; JSON-RPC on ${rpc.url}`)
  say(`buyer ${buyer.address} funded with $10 of USDC and 1 SOL; seller (payTo) ${seller.address}; fee payer ${feePayer.address}`)

  const options = Object.fromEntries(Object.entries(PRICES).map(([path, price]) => [path, exact({ price, network: 'solana-devnet', payTo: seller.address })]))
  // Every route publishes discovery metadata (bazaar) and accepts payment ids, as on the EVM chain (routes.js).
  const paywall = createPaywall({
    routes: Object.fromEntries(
      Object.entries(options).map(([path, accepts]) => [`GET ${path}`, { accepts, extensions: [paymentIdentifier(), bazaar({ output: { example: EXAMPLES[path] } })] }]),
    ),
    facilitator: localSvmFacilitator({ chain: world.chain, feePayer: feePayer.signer }),
  })
  const app = paywall.protect(async (request, ctx) => {
    const path = new URL(request.url).pathname
    if (path === '/weather') return Response.json({ city: 'Lisbon', forecast: 'sunny', paidBy: ctx.payment?.payer })
    if (path === '/premium') return Response.json({ insight: 'Solana settles in one slot here', paidBy: ctx.payment?.payer })
    return Response.json({ name: 'Tollgate demo API (Solana)', free: ['GET /'], paid: Object.keys(PRICES).map((p) => `GET ${p}`) })
  })
  const url = await new Promise((resolve) => {
    const server = serve({ fetch: app, port, hostname: '127.0.0.1' }, (info) => resolve(`http://127.0.0.1:${info.port}`))
    onStop('the API server', () => new Promise((done) => server.close(() => done(undefined))))
  })
  const routes = Object.entries(options).map(([path, option]) => ({ method: 'GET', path, amount: option.requirements.amount, scheme: 'exact', network: world.network }))
  say(`Paid API on ${url} (fetch)`)
  for (const route of routes) say(`  ${route.method} ${route.path}: ${route.amount} (${route.scheme} on ${route.network})`)

  if (keepServing) {
    const announcement = {
      url,
      routes,
      chain: { rpcUrl: rpc.url, network: world.network, mint: world.mint },
      buyer: { address: buyer.address, secretKey: toBase58(buyer.secretKey) },
    }
    process.stdout.write(`${JSON.stringify(announcement)}\n`)
    say('Serving until Ctrl-C or SIGTERM.')
    return new Promise(() => {})
  }

  const paying = wrapFetch(fetch, {
    payers: [svmPayer(buyer.signer, { rpcUrl: rpc.url })],
    beforePay({ demand, offer }) {
      say('<- 402 Payment Required')
      say(paymentRequiredTable(/** @type {import('@tollgate/x402').PaymentRequired} */ (demand.paymentRequired)))
      say(`-> paying with exact on ${offer.requirements.network} (a transaction signed by the buyer, co-signed by the fee payer) and retrying`)
    },
  })
  for (const path of Object.keys(PRICES)) {
    say(`\n== GET ${url}${path}`)
    const before = { buyer: await world.tokenBalance(buyer.address), seller: await world.tokenBalance(seller.address) }
    const response = await paying(`${url}${path}`)
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status} after paying: ${await response.text()}`)
    say(`<- ${response.status} ${JSON.stringify(await response.json())}`)
    const header = response.headers.get(PAYMENT_RESPONSE)
    if (!header) throw new Error(`GET ${path} was paid but sent no ${PAYMENT_RESPONSE}.`)
    const decoded = decodePaymentResponse(header)
    if (!decoded.ok) throw new Error(`GET ${path}: unreadable ${PAYMENT_RESPONSE}: ${decoded.error.message}`)
    say(receiptTable(decoded.value))
    const after = { buyer: await world.tokenBalance(buyer.address), seller: await world.tokenBalance(seller.address) }
    say(
      balancesTable([
        { label: 'buyer', address: buyer.address, before: before.buyer, after: after.buyer },
        { label: 'seller', address: seller.address, before: before.seller, after: after.seller },
      ]),
    )
    const price = BigInt(options[path]?.requirements.amount ?? '0')
    if (before.buyer - after.buyer !== price || after.seller - before.seller !== price) throw new Error(`GET ${path}: the balances did not move by exactly ${price}.`)
  }
  say('\nEvery payment settled on the Solana runtime; the balances moved by exactly the prices.')
  return undefined
}
